"""Forward plus backward time of one depthwise 3x3 convolution (padded, batch 128, 2 threads) at the channel
counts and map sizes of cifar_c1c4.Net, by dilation and memory format.

    python results/speed/depthwise_dilation.py > results/speed/depthwise-dilation-cpu.txt
"""
import time

import torch
import torch.nn as nn


def milliseconds(channels, size, dilation, memory_format, batch=128, seconds=2.0):
    conv = nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation, groups=channels, bias=False)
    conv = conv.to(memory_format=memory_format)
    x = torch.randn(batch, channels, size, size).to(memory_format=memory_format).requires_grad_()

    def step():
        conv(x).sum().backward()

    step()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return (time.perf_counter() - start) / n * 1000


if __name__ == "__main__":
    torch.set_num_threads(2)
    for channels, size in [(80, 16), (112, 8), (40, 24)]:
        for dilation in (1, 2, 3):
            last, nchw = (milliseconds(channels, size, dilation, f) for f in (torch.channels_last, torch.contiguous_format))
            print(f"c{channels} s{size} d{dilation}: channels_last {last:.1f} ms, NCHW {nchw:.1f} ms")
