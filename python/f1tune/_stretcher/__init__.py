"""The Stretcher's private parts: option names, network, training loop and file format.

The public estimator is :class:`f1tune.stretcher.Stretcher`. Only ``options`` is free of torch;
``network`` and ``training`` import it, so they are imported when a Stretcher is fitted or loaded.
"""
