"""``torch.nn.Module`` wrappers of the soft F-beta losses."""

from __future__ import annotations

import torch

from f1tune.torch.losses import soft_fbeta_loss


class SoftFBetaLoss(torch.nn.Module):
    """Soft F-beta loss module: ``SoftFBetaLoss(**options)(input, target)``.

    Options (``beta``, ``average``, ``double``, ``from_logits``, ``slope``, ``offset``, ``eps``,
    ``reduction``, ``sync_dist``) are those of :func:`f1tune.torch.soft_fbeta_loss` and are
    checked on the first call.

    Examples
    --------
    >>> import torch
    >>> from f1tune.torch import SoftFBetaLoss
    >>> criterion = SoftFBetaLoss(beta=2.0, from_logits=True)
    >>> z = torch.zeros(4, 3, requires_grad=True)
    >>> y = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]])
    >>> criterion(z, y).backward()
    >>> z.grad.shape
    torch.Size([4, 3])
    """

    def __init__(
        self,
        *,
        beta: float = 1.0,
        average: str = "macro",
        double: bool = False,
        from_logits: bool = False,
        slope: float = 1.0,
        offset: float = 0.0,
        eps: float = 1e-16,
        reduction: str = "mean",
        sync_dist: bool = False,
    ) -> None:
        super().__init__()
        self.beta = beta
        self.average = average
        self.double_class = double  # not ``self.double``: that would shadow nn.Module.double()
        self.from_logits = from_logits
        self.slope = slope
        self.offset = offset
        self.eps = eps
        self.reduction = reduction
        self.sync_dist = sync_dist

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of ``input`` (probabilities or logits, shape (n, L) or (n,)) against ``target``."""
        return soft_fbeta_loss(
            input,
            target,
            beta=self.beta,
            average=self.average,
            double=self.double_class,
            from_logits=self.from_logits,
            slope=self.slope,
            offset=self.offset,
            eps=self.eps,
            reduction=self.reduction,
            sync_dist=self.sync_dist,
        )

    def extra_repr(self) -> str:
        """List the options that differ from the defaults."""
        defaults = SoftFBetaLoss.__init__.__kwdefaults__ or {}
        attr = {"double": "double_class"}
        values = {k: getattr(self, attr.get(k, k)) for k in defaults}
        return ", ".join(f"{k}={v!r}" for k, v in values.items() if v != defaults[k])


class SoftF1Loss(SoftFBetaLoss):
    """Soft F1 loss module (``beta=1``); options as :class:`SoftFBetaLoss` without ``beta``.

    Examples
    --------
    >>> import torch
    >>> from f1tune.torch import SoftF1Loss
    >>> p = torch.tensor([[0.9, 0.1], [0.2, 0.7]])
    >>> y = torch.tensor([[1, 0], [0, 1]])
    >>> SoftF1Loss(double=True, reduction="none")(p, y).shape
    torch.Size([2])
    """

    def __init__(
        self,
        *,
        average: str = "macro",
        double: bool = False,
        from_logits: bool = False,
        slope: float = 1.0,
        offset: float = 0.0,
        eps: float = 1e-16,
        reduction: str = "mean",
        sync_dist: bool = False,
    ) -> None:
        super().__init__(
            beta=1.0,
            average=average,
            double=double,
            from_logits=from_logits,
            slope=slope,
            offset=offset,
            eps=eps,
            reduction=reduction,
            sync_dist=sync_dist,
        )
