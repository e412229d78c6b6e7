"""Shared torch code for the neural plugins (STSTNet, OFF-ApexNet).

    models       STSTNet as published, initialisation and dropout from an explicit torch.Generator
    train        the reference ("plain") training loop: fixed epochs, Adam, cross-entropy
    fused        STSTNet's training step fused by hand (a C++ kernel compiled on first use): the plain
                 loop's step, same draws, same numbers up to float rounding, ~7x less CPU
    fast         `loso_fast`: a leave-one-subject-out run with the maps computed once and the folds
                 trained side by side in worker threads (the proposed evaluator hook)
    maps         onset -> apex optical flow, optical strain and the 28 x 28 input maps of a segment
    plugin_base  what the ststnet and off_apexnet plugins share (maps cache, checkpoint, predict)
    bench        the benchmark behind `manage.py bench_loso`

Plugins reach these through mlbackend.sdk.nets, which loads the torch-backed names on first use,
so loading a plugin module never loads torch or OpenCV. docs/loso-speed.md explains the fast path.
"""
