"""Forward plus backward time of each dilated convolution of cifar_c1c4.Net, computed natively (nn.Conv2d) and
by cifar_c1c4.Conv3x3's space-to-batch: the map split into its d x d interleaved sub-maps, one undilated
convolution over them, and the outputs interleaved back. The two compute the same sums; oneDNN on AVX2-only
hosts computes a dilated convolution's weight gradient through a generic GEMM path, an undilated one's through
its JIT kernels (results/speed/onednn_kernels.py).

    python results/speed/atrous.py > results/speed/atrous-<isa>.txt
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402
from measure import images_per_second  # noqa: E402


def dilated_convs(model, size=32):
    """(name, conv, input shape) of each dilated 3x3 convolution, found by running one batch."""
    found = []
    hooks = [m.register_forward_hook(lambda m, i, o, name=name: found.append((name, m, tuple(i[0].shape))))
             for name, m in model.named_modules() if isinstance(m, nn.Conv2d) and m.dilation[0] > 1]
    model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return found


def milliseconds(forward, x, seconds=2.0):
    """Time of one forward and backward pass, from measure.py's timing loop."""
    return 1000 / images_per_second(lambda: forward(x).sum().backward(), 1, seconds)


if __name__ == "__main__":
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, 2 threads, batch 128, "
          "channels_last, forward + backward of one convolution")
    total_native = total_s2b = 0.0
    for name, conv, shape in dilated_convs(c.Net().eval()):
        x = torch.randn(128, *shape[1:]).to(memory_format=torch.channels_last).requires_grad_()
        conv = conv.to(memory_format=torch.channels_last)
        err = (conv(x) - nn.Conv2d.forward(conv, x)).abs().max().item()
        native, s2b = milliseconds(lambda t: nn.Conv2d.forward(conv, t), x), milliseconds(conv.space_to_batch, x)
        total_native, total_s2b = total_native + native, total_s2b + s2b
        kind = "depthwise" if conv.groups > 1 else "dense"
        print(f"{name:10s} {kind:9s} {conv.in_channels:3d}->{conv.out_channels:3d}ch {shape[2]:2d}px "
              f"d{conv.dilation[0]} pad {conv.padding[0]}: native {native:7.1f} ms, space-to-batch {s2b:7.1f} ms "
              f"({native / s2b:4.2f}x); max |difference| {err:.1e}")
    print(f"all dilated convolutions: native {total_native:.1f} ms, space-to-batch {total_s2b:.1f} ms "
          f"({total_native / total_s2b:.2f}x)")
