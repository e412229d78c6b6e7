"""STSTNet's training step fused by hand: the whole forward and backward pass in three C++ loops.

Exact identities the fusion rests on (docs/loso-speed.md):
- the three branches (3, 5, 8 filters), each followed by per-channel ReLU, batch norm, max-pool
  and dropout, are one 16-filter convolution followed by the same per-channel operations;
- batch norm in training mode is y = a (r - mean) + beta per channel, a = gamma / std: monotone
  in r, so max-pooling y is normalising the max-pool of r when a > 0 (the min-pool when a < 0).
  Pooling first leaves the 28 x 28 maps to the batch statistics alone;
- the input never needs a gradient (first layer); the batch-norm backward needs two sums per
  channel, sum(g) and sum(g * y_hat), which are sums over the pooled 10 x 10 gradient because
  max-pooling routes each gradient to one position.

A step on a batch (`FusedSTSTNet.step`): (1) `ststnet_forward` computes z = conv(x) (kept: 16
floats a position), the batch sums of relu(z) and relu(z)^2 and each pooling window's
arg-max; (2) batch statistics and running statistics (numpy, 16 numbers); (3) `ststnet_head`
normalises the pooled maps, applies the dropout mask (the generator's draw, unpacked from
its bits), the 2x2 average pool, the fully connected layer, softmax cross-entropy and their
backward pass, giving dL/d(pooled maps) and the gradients of fc, gamma and beta; (4)
`ststnet_backward` rebuilds dL/dz from z, the arg-maxes and four per-channel vectors and
accumulates dL/dW and dL/db. The gradients land in the model's own parameters (the three
branches' tensors), so the optimizer, the state_dict and the checkpoint are those of the plain
model. Sums run in float within a sample and in double across samples, per chunk of CHUNK
samples added in order: the same floats whatever the number of threads.

The two convolution loops hold as many channels per vector as the CPU's registers do (LANES: 16
floats with AVX-512, 8 with AVX2, 4 otherwise) and loop over the 16 channels in groups: 16-float
vectors on an AVX2 CPU spill out of its 16 registers and made the kernel slower than the plain
step there. Each channel sees the same operations in the same order at every width, so the
floats do not depend on it (tested bit for bit).

The kernel is compiled with the system C++ compiler (-O3 -march=native) on first use into a
per-user cache and called through ctypes, which releases the GIL (folds run in parallel
threads). Backend "auto" runs the kernel only where it was measured faster than the plain model's
step on this CPU (mlbackend.nets.calibrate: a few steps of each, cached per CPU fingerprint), and
the plain step without a compiler or where the plain step is faster; backend "torch" runs
the fused maths on torch ops (an independent check of the kernel's maths, slower than plain).

Ties: max_pool2d takes the first maximum of a window in row-major order; so does the kernel.
They can differ only where normalising merges two distinct relu values into one float, or
gamma is exactly 0: which position receives a gradient changes, never a forward value.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

from mlbackend.nets.kernel import CHUNK, kernel_error, load_kernel
from mlbackend.nets.models import STSTNet, dropout_mask

CHANNELS = 16
POOLED = 10  # pooled side, for either padding
EPS_DEFAULT = 1e-5


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def check_training_set(model: STSTNet, x, y) -> None:
    """Refuse, with a ValueError, what the kernel would read out of bounds or silently misread: maps
    that are not (n, 3, 28, 28) finite floats, labels that are not integers in [0, classes), a model
    that is not float32 on the CPU. The plain and torch backends get the same checks, so a bad input
    fails the same way whichever trainer runs."""
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise ValueError("x and y must be tensors")
    channels = model.conv1.in_channels
    if x.dim() != 4 or tuple(x.shape[1:]) != (channels, 28, 28):
        raise ValueError(f"x must have shape (n, {channels}, 28, 28), not {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"x must hold floats, not {x.dtype}")
    if x.device.type != "cpu" or y.device.type != "cpu":
        raise ValueError("the fused step trains on the CPU: x and y must be CPU tensors")
    if y.dim() != 1 or len(y) != len(x):
        raise ValueError(f"y must be a 1-D tensor of {len(x)} labels (one per map), not shape {tuple(y.shape)}")
    if y.dtype not in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8):
        raise ValueError(f"y must hold integer class labels, not {y.dtype}")
    if len(x) == 0:
        raise ValueError("the training set is empty")
    classes = model.fc.out_features
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= classes:
        raise ValueError(f"labels must lie in [0, {classes}) for a {classes}-class model: found {low} .. {high}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x holds NaN or infinite values")
    for name, parameter in model.named_parameters():
        if parameter.dtype != torch.float32 or parameter.device.type != "cpu":
            raise ValueError(f"the fused step trains a float32 model on the CPU: {name} is {parameter.dtype} "
                             f"on {parameter.device}")


class FusedSTSTNet:
    """One STSTNet training step on a fixed training set, fused: `step(batch)` computes the
    loss of the samples `batch` (indices into x / y), leaves every parameter's gradient in `.grad` and
    updates the batch-norm running statistics, exactly as

        loss = F.cross_entropy(model(x[batch], generator), y[batch]); loss.backward()

    does (the same dropout draws from `generator`), up to float rounding.

    backend: "c" (the kernel; an error when it cannot be built), "torch" (the same fused maths on torch
    ops: an independent check of the kernel, slower than the plain model), or "auto" (the kernel when
    it can be built and was measured faster on this CPU, else the plain model's own step). threads > 1
    splits each batch's chunks over worker threads; the result does not depend on the thread count
    (partial sums per chunk of CHUNK samples, added in order). Every input is checked before the
    kernel reads it (check_training_set, check_batch): bad input raises ValueError.
    """

    def __init__(self, model: STSTNet, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None, *,
                 backend: str = "auto", threads: int = 1, max_batch: int | None = None):
        if backend not in ("auto", "c", "torch"):
            raise ValueError(f"backend {backend!r}: choose 'auto', 'c' or 'torch'")
        check_training_set(model, x, y)
        self.model = model
        self.generator = generator
        self.side = 28 + 2 * model.padding - 2  # conv output side: 28 or 30
        self.xpad = F.pad(x.detach().to(torch.float32), (model.padding,) * 4).contiguous()
        self._crop = slice(model.padding, model.padding + 28)
        self.y = y.detach().to(torch.int64).clone().contiguous()  # our own copy: checked once, read by the kernel
        self.kernel = load_kernel() if backend in ("auto", "c") else None
        if backend == "c" and self.kernel is None:
            raise RuntimeError(f"the fused kernel cannot be built: {kernel_error()}")
        n_classes = model.fc.out_features
        if self.kernel is not None and (n_classes > self.kernel.ststnet_max_classes() or model.conv1.in_channels != 3):
            if backend == "c":
                raise ValueError(f"the fused kernel takes 3 input channels and at most "
                                 f"{self.kernel.ststnet_max_classes()} classes, not {model.conv1.in_channels} "
                                 f"and {n_classes}")
            self.kernel = None
        self.threads = max(1, int(threads))
        if backend == "auto" and self.kernel is not None:
            from mlbackend.nets.calibrate import auto_backend

            if auto_backend(padding=model.padding, threads=self.threads) == "plain":
                self.kernel = None  # measured slower than the plain step on this CPU (an AVX2 one, say)
        self.backend = "c" if self.kernel is not None else ("torch" if backend == "torch" else "plain")
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 and self.kernel is not None else None
        if self.kernel is not None:
            size = int(max_batch or len(self.y))
            self._xnp = self.xpad.numpy()
            self._z = np.empty((size, self.side, self.side, CHANNELS), np.float32)
            self._pooled = np.empty((size, CHANNELS, POOLED, POOLED), np.float32)
            self._arg = np.empty((size, CHANNELS, POOLED, POOLED), np.int32)
            self._g = np.empty((size, CHANNELS, POOLED, POOLED), np.float32)
            self._addresses = {name: _address(getattr(self, f"_{name}"))
                               for name in ("xnp", "z", "pooled", "arg", "g")}
            self._addresses["x"] = self._addresses.pop("xnp")
            self._ynp = self.y.numpy()
            # numpy views of the parameters, running statistics and persistent gradient tensors (the
            # optimizer updates the parameters in place): no torch dispatch for 16-number arithmetic
            branches = model.branches()
            self._widths = [conv.out_channels for conv, _ in branches]
            self._param_views = [[t.detach().numpy() for t in (conv.weight, conv.bias, bn.weight, bn.bias)]
                                 for conv, bn in branches]
            self._stat_views = [(bn.running_mean.numpy(), bn.running_var.numpy(), bn.num_batches_tracked.numpy(),
                                 bn.momentum) for _, bn in branches]
            self._grad_of = {id(t): torch.zeros_like(t, memory_format=torch.contiguous_format)
                             for t in model.parameters()}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the three branches as one 16-filter layer ------------------------------------------------------
    def merged(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        branches = self.model.branches()
        return (torch.cat([conv.weight for conv, _ in branches]), torch.cat([conv.bias for conv, _ in branches]),
                torch.cat([bn.weight for _, bn in branches]), torch.cat([bn.bias for _, bn in branches]))

    def step(self, batch: torch.Tensor) -> torch.Tensor:
        batch = self.check_batch(batch)
        if self.backend == "plain":
            loss = F.cross_entropy(self.model(self.xpad[batch][..., self._crop, self._crop], self.generator),
                                   self.y[batch])
            loss.backward()
            return loss.detach()
        if self.kernel is None:
            loss = F.cross_entropy(self.forward(batch, self.generator), self.y[batch])
            loss.backward()
            return loss.detach()
        return self._kernel_step(batch, self.generator)

    __call__ = step

    def forward(self, batch: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Training-mode logits through the torch implementation of the fused block (autograd)."""
        weight, bias, gamma, beta = self.merged()
        maps = _FusedFunction.apply(weight, bias, gamma, beta, self, batch)
        return self.model.head(maps, generator)

    def check_batch(self, batch) -> torch.Tensor:
        """The batch as int64 sample indices, every one in [0, n): the kernel reads x and y at these
        indices with no bounds check of its own, so an index outside would read (or crash) out of bounds."""
        if isinstance(batch, np.ndarray):
            batch = torch.from_numpy(batch)
        if not isinstance(batch, torch.Tensor):
            raise ValueError(f"batch must be a tensor of sample indices, not {type(batch).__name__}")
        if batch.dim() != 1 or batch.dtype not in (torch.int16, torch.int32, torch.int64):
            raise ValueError(f"batch must be a 1-D tensor of int16/32/64 sample indices, not {batch.dtype} "
                             f"of shape {tuple(batch.shape)} (boolean or uint8 masks are not accepted)")
        if len(batch) == 0:
            raise ValueError("batch is empty: a training step needs at least one sample")
        n = len(self.y)
        low, high = int(batch.min()), int(batch.max())
        if low < 0 or high >= n:
            raise ValueError(f"sample indices must lie in [0, {n}): this batch holds {low} .. {high}")
        if self.kernel is not None and len(batch) > len(self._z):
            raise ValueError(f"batch of {len(batch)} larger than the buffers ({len(self._z)}; max_batch)")
        return batch.to(torch.int64)

    # -- the kernel step ----------------------------------------------------------------------------------
    def _spans(self, count: int) -> list[tuple[int, int]]:
        """Sample ranges for the worker threads, on chunk boundaries (the partial sums are per chunk)."""
        chunks = -(-count // CHUNK)
        per = -(-chunks // min(self.threads, chunks))
        return [(k * CHUNK, min(count, (k + per) * CHUNK)) for k in range(0, chunks, per)]

    def _run(self, function, count: int) -> None:
        spans = self._spans(count)
        if self._pool is None or len(spans) == 1:
            for span in spans:
                function(*span)
        else:
            list(self._pool.map(lambda span: function(*span), spans))

    def _kernel_step(self, batch: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        model, lib, side = self.model, self.kernel, self.side
        count = len(batch)
        n = count * side * side
        n_chunks = -(-count // CHUNK)
        index = np.ascontiguousarray(batch.numpy(), dtype=np.int64)
        views = self._param_views
        weight = np.concatenate([v[0].reshape(-1, 27) for v in views])
        bias, gamma, beta = (np.concatenate([v[k] for v in views]) for k in (1, 2, 3))
        w = np.ascontiguousarray(weight.T)
        sign = np.where(gamma < 0, np.float32(-1), np.float32(1)).astype(np.float32)
        plane, cell = side * side * CHANNELS, CHANNELS * POOLED * POOLED
        x, z, pooled, arg, g = (self._addresses[k] for k in ("x", "z", "pooled", "arg", "g"))
        at = _address

        sums = np.empty((n_chunks, 2, CHANNELS))
        a_index, a_w, a_bias, a_sign, a_sums = at(index), at(w), at(bias), at(sign), at(sums)
        self._run(lambda start, stop: lib.ststnet_forward(
            side, x, a_index + 8 * start, stop - start, a_w, a_bias, a_sign, z + 4 * start * plane,
            pooled + 4 * start * cell, arg + 4 * start * cell, a_sums + 8 * 2 * CHANNELS * (start // CHUNK)), count)
        total = sums.sum(axis=0)
        mean64 = total[0] / n
        var64 = np.maximum(total[1] / n - mean64 * mean64, 0.0)
        self._update_running_stats(mean64, var64, n)
        mean = mean64.astype(np.float32)
        invstd = (1.0 / np.sqrt(var64 + model.bn1.eps)).astype(np.float32)
        alpha = invstd * gamma  # as PyTorch's CPU batch norm: y = x * alpha + (beta - mean * alpha), in float
        shift = (beta - mean * alpha).astype(np.float32)

        p = model.p
        bits = fmask = None
        if p == 0.5:  # exactly the draw dropout_mask makes for this shape; the kernel unpacks the bits
            bits = torch.randint(0, 1 << 32, ((count * cell + 31) // 32,), dtype=torch.int64,
                                 generator=generator).numpy()
        elif p > 0:
            fmask = dropout_mask((count, CHANNELS, POOLED, POOLED), p, generator).numpy()
        scale = np.float32(1.0 / (1.0 - p)) if p < 1 else np.float32(0.0)
        fc_w, fc_b = (np.ascontiguousarray(t.detach().numpy()) for t in (model.fc.weight, model.fc.bias))
        classes = fc_w.shape[0]
        targets = self._ynp[index]
        width = 1 + classes * 400 + classes + 2 * CHANNELS
        parts = np.empty((n_chunks, width))
        vectors = [at(v) for v in (alpha, shift, mean, invstd)]
        a_bits = None if bits is None else at(bits)
        a_fmask = None if fmask is None else at(fmask)
        a_fcw, a_fcb, a_targets, a_parts = at(fc_w), at(fc_b), at(targets), at(parts)
        self._run(lambda start, stop: lib.ststnet_head(
            stop - start, classes, count, pooled + 4 * start * cell, *vectors,
            None if a_bits is None else a_bits + 8 * (start * cell // 32),
            None if a_fmask is None else a_fmask + 4 * start * cell, scale, a_fcw, a_fcb, a_targets + 8 * start,
            g + 4 * start * cell, a_parts + 8 * width * (start // CHUNK)), count)
        summed = parts.sum(axis=0)
        loss = summed[0] / count
        d_fc_w = summed[1:1 + classes * 400].reshape(classes, 400)
        d_fc_b = summed[1 + classes * 400:1 + classes * 401]
        d_gamma = summed[1 + classes * 401:1 + classes * 401 + CHANNELS]
        d_beta = summed[1 + classes * 401 + CHANNELS:]

        a = (gamma * invstd).astype(np.float64)
        coefficients = [np.ascontiguousarray(v, dtype=np.float32) for v in
                        (a, d_beta / n, a * invstd.astype(np.float64) * d_gamma / n, mean)]
        a_coefficients = [at(v) for v in coefficients]
        grads = np.empty((n_chunks, 27 * CHANNELS + CHANNELS))
        a_grads = at(grads)
        self._run(lambda start, stop: lib.ststnet_backward(
            side, x, a_index + 8 * start, stop - start, z + 4 * start * plane, arg + 4 * start * cell,
            g + 4 * start * cell, *a_coefficients, a_grads + 8 * (27 * CHANNELS + CHANNELS) * (start // CHUNK)),
            count)
        summed_grads = grads.sum(axis=0)
        d_w = summed_grads[:27 * CHANNELS].reshape(27, CHANNELS).T.reshape(CHANNELS, 3, 3, 3)
        d_b = summed_grads[27 * CHANNELS:]
        offset = 0
        for (conv, bn), width in zip(model.branches(), self._widths):
            part = slice(offset, offset + width)
            for parameter, value in ((conv.weight, d_w[part]), (conv.bias, d_b[part]), (bn.weight, d_gamma[part]),
                                     (bn.bias, d_beta[part])):
                self._set_grad(parameter, value)
            offset += width
        self._set_grad(model.fc.weight, d_fc_w)
        self._set_grad(model.fc.bias, d_fc_b)
        return torch.tensor(loss, dtype=torch.float32)

    def _set_grad(self, parameter: torch.Tensor, value: np.ndarray) -> None:
        """parameter.grad = value, in a tensor kept for the purpose (accumulated when a gradient is there)."""
        if parameter.grad is None:
            grad = self._grad_of[id(parameter)]
            grad.numpy()[...] = value.reshape(grad.shape)
            parameter.grad = grad
        else:
            parameter.grad.add_(torch.from_numpy(np.asarray(value, dtype=np.float32).reshape(parameter.shape)))

    def _update_running_stats(self, mean64: np.ndarray, var64: np.ndarray, n: int) -> None:
        """As nn.BatchNorm2d in training mode (momentum, unbiased variance), on numpy views of the buffers."""
        mean64 = mean64.astype(np.float32).astype(np.float64)  # PyTorch keeps the batch mean in float first
        unbiased = var64 * n / max(n - 1, 1)
        offset = 0
        for (running_mean, running_var, tracked, momentum), width in zip(self._stat_views, self._widths):
            part = slice(offset, offset + width)
            running_mean[...] = momentum * mean64[part] + (1 - momentum) * running_mean.astype(np.float64)
            running_var[...] = momentum * unbiased[part] + (1 - momentum) * running_var.astype(np.float64)
            tracked += 1
            offset += width

    # -- the torch implementation of the two passes (fallback, and the kernel's independent check) ---------
    def first_pass(self, batch, weight, bias, sign):
        z = F.conv2d(self.xpad[batch], weight, bias)
        r = torch.relu(z)
        view = (1, -1, 1, 1)
        pooled, arg = F.max_pool2d(r * sign.view(view), 3, 3, padding=1, return_indices=True)
        r64 = r.double()
        return z, pooled * sign.view(view), arg, r64.sum((0, 2, 3)), (r64 * r64).sum((0, 2, 3))

    def second_pass(self, batch, z, arg, grad, a, c1, d, mean, weight_shape):
        count, side = len(batch), self.side
        scattered = torch.zeros((count, CHANNELS, side * side), dtype=grad.dtype)
        scattered.scatter_(2, arg.flatten(2), grad.flatten(2))
        view = (1, -1, 1, 1)
        dz = a.view(view) * (scattered.view(count, CHANNELS, side, side) - c1.view(view)) \
            - d.view(view) * (z - mean.view(view))
        dz = torch.where(z > 0, dz, torch.zeros((), dtype=dz.dtype))
        dw = torch.nn.grad.conv2d_weight(self.xpad[batch], weight_shape, dz)
        return dw, dz.double().sum((0, 2, 3)).float()



class _FusedFunction(torch.autograd.Function):
    """conv -> ReLU -> batch norm (training mode, running statistics updated) -> max-pool, in torch ops."""

    @staticmethod
    def forward(ctx, weight, bias, gamma, beta, block: FusedSTSTNet, batch: torch.Tensor):
        n = len(batch) * block.side * block.side
        sign = torch.where(gamma < 0, -1.0, 1.0).to(torch.float32)
        z, pooled, arg, total, squares = block.first_pass(batch, weight, bias, sign)
        mean64 = total / n
        var64 = torch.clamp(squares / n - mean64 * mean64, min=0.0)
        _update_running_stats(block.model, mean64, var64, n)
        eps = block.model.bn1.eps
        mean, invstd = mean64.float(), (1.0 / torch.sqrt(var64 + eps)).float()
        alpha = invstd * gamma
        shift = beta - mean * alpha
        out = pooled * alpha.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1)
        ctx.block, ctx.batch, ctx.n, ctx.weight_shape = block, batch, n, weight.shape
        ctx.save_for_backward(z, pooled, arg, mean, invstd, gamma)
        return out

    @staticmethod
    def backward(ctx, grad):
        z, pooled, arg, mean, invstd, gamma = ctx.saved_tensors
        view = (1, -1, 1, 1)
        xhat = (pooled - mean.view(view)) * invstd.view(view)
        g64 = grad.double()
        dbeta64 = g64.sum((0, 2, 3))
        dgamma64 = (g64 * xhat.double()).sum((0, 2, 3))
        a = (gamma * invstd).double()
        c1 = dbeta64 / ctx.n
        d = a * invstd.double() * dgamma64 / ctx.n
        dw, db = ctx.block.second_pass(ctx.batch, z, arg, grad, a.float(), c1.float(), d.float(), mean,
                                       ctx.weight_shape)
        return dw, db, dgamma64.float(), dbeta64.float(), None, None


def _update_running_stats(model: STSTNet, mean64: torch.Tensor, var64: torch.Tensor, n: int) -> None:
    """As nn.BatchNorm2d in training mode (momentum 0.1, unbiased variance), per branch."""
    mean64 = mean64.float().double()  # PyTorch keeps the batch mean in the parameter type first
    unbiased = var64 * n / max(n - 1, 1)
    offset = 0
    with torch.no_grad():
        for _, bn in model.branches():
            width = bn.num_features
            m = bn.momentum
            part = slice(offset, offset + width)
            bn.running_mean.copy_(m * mean64[part] + (1 - m) * bn.running_mean.double())
            bn.running_var.copy_(m * unbiased[part] + (1 - m) * bn.running_var.double())
            bn.num_batches_tracked.add_(1)
            offset += width
