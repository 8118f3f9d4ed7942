"""Speed ablations of cifar_c1c4.py's training and evaluation steps on this machine (compute only, fixed batch).

    python results/speed/measure.py [--seconds S] > results/speed/cpu.txt
    python results/speed/measure.py --layouts > results/speed/layouts-cpu.txt
    python results/speed/measure.py --layouts mix mix-c1w16-t > results/speed/layouts-mixlite-cpu.txt

--layouts measures the training step of each layout in results/ablate.py's ARCH, and of the default Net at
the other widths tried in the ablations, instead. A NAME of the form repeat-c3-c4 is the default Net with
those stages' Residual run twice (ablate.py's --repeat c3 c4); widths-16-48-80-88 is the default Net at
those widths (ablate.py's --set "widths=(16, 48, 80, 88)"); transitions-2-6-3 the default Net with those
transition dilations (--set "transitions=(2, 6, 3)"); se and dw-relu are the default Net with ablate.py's --se
and --dw-relu.

Each line: the setting, images/s, and its ratio to the product's default. Settings are measured in an
interleaved order, twice, and the better of the two is kept, because this machine's timings are noisy.
"""
import argparse
import copy
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402


WIDTHS = [(16, 32, 80, 128), (24, 32, 80, 128)]  # widths tried in results/ablation/cpu-2


def images_per_second(step, batch, seconds):
    step()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        n += batch
    return n / (time.perf_counter() - start)


def natively_dilated(model, which=lambda conv: True):
    """The model with its dilated convolutions (those `which` picks) computed by nn.Conv2d itself, not by Conv3x3's
    space-to-batch."""
    for m in model.modules():
        if isinstance(m, c.Conv3x3) and which(m):
            m.__class__ = nn.Conv2d
    return model


class SpacedConv3x3(c.Conv3x3):
    """Conv3x3 training dense dilated convolutions by space-to-batch too, as cifar_c1c4.py did before stop 49."""

    def forward(self, x):
        if self.dilation[0] > 1 and x.device.type == "cpu" and torch.is_grad_enabled():
            return self.space_to_batch(x)
        return super().forward(x)


def all_spaced(model):
    """The model with every dilated convolution trained by space-to-batch on the CPU, dense ones included."""
    for m in model.modules():
        if isinstance(m, c.Conv3x3):
            m.__class__ = SpacedConv3x3
    return model


def train_rate(batch=c.HYP["batch_size"], channels_last=True, threads=2, compile=False, seconds=5.0, net=c.Net,
               native=False):
    torch.set_num_threads(threads)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = net().to(memory_format=fmt)
    model = natively_dilated(model) if native else model
    ema, optimizer = c.make_ema(model, c.HYP), c.make_optimizer(model, c.HYP)
    scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
    run = torch.compile(model) if compile else model
    x, y = torch.randn(batch, 3, 32, 32).to(memory_format=fmt), torch.randint(0, 10, (batch,))
    return images_per_second(lambda: c.train_step(run, ema, optimizer, scheduler, x, y, torch.device("cpu"), c.HYP),
                             batch, seconds)


def fuse_conv_bn(model):
    """An evaluation copy with every BatchNorm folded into the convolution before it."""
    model = copy.deepcopy(model).eval()
    for seq in [m for m in model.modules() if isinstance(m, nn.Sequential)]:
        for i in range(len(seq) - 1):
            if isinstance(seq[i], nn.Conv2d) and isinstance(seq[i + 1], nn.BatchNorm2d):
                seq[i] = torch.nn.utils.fusion.fuse_conv_bn_eval(seq[i], seq[i + 1])
                seq[i + 1] = nn.Identity()
    return model


def eval_rate(fused=False, grad_mode="inference", batch=1000, seconds=5.0, native=False):
    torch.set_num_threads(2)
    model = c.Net().to(memory_format=torch.channels_last).eval()
    model = natively_dilated(model) if native else model
    model = fuse_conv_bn(model) if fused else model
    x = torch.randn(batch, 3, 32, 32).to(memory_format=torch.channels_last)
    mode = torch.inference_mode if grad_mode == "inference" else torch.no_grad

    def step():
        with mode():
            model(x).argmax(1)

    return images_per_second(step, batch, seconds)


def layout_net(ablate, name):
    if name.startswith("repeat-"):
        return ablate.repeat_blocks(c.Net, name.split("-")[1:])
    if name == "se":
        return ablate.squeeze_excite(c.Net)
    if name == "dw-relu":
        return ablate.depthwise_bn_relu(c.Net)
    if name.startswith("widths-"):
        return lambda: c.Net(tuple(int(w) for w in name.split("-")[1:]))
    if name.startswith("transitions-"):
        return lambda: c.Net(transitions=tuple(int(d) for d in name.split("-")[1:]))
    return ablate.spec_net(ablate.ARCH[name])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--layouts", nargs="*", metavar="NAME",
                   help="layouts of ablate.py's ARCH (all of them, and the tried widths, when no NAME is given)")
    args = p.parse_args()
    s = args.seconds
    if args.layouts is not None:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        import ablate

        names = args.layouts or list(ablate.ARCH)
        cases = {name: (lambda net=layout_net(ablate, name): train_rate(net=net, seconds=s)) for name in names}
        for widths in ([] if args.layouts else WIDTHS):
            cases["widths " + ",".join(map(str, widths))] = \
                lambda widths=widths: train_rate(net=lambda: c.Net(widths), seconds=s)
        cases["default Net"] = lambda: train_rate(seconds=s)
        best = {}
        for _ in range(2):
            for name, measure in cases.items():
                best[name] = max(best.get(name, 0.0), measure())
        print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, training step (batch {c.HYP['batch_size']}, "
              f"channels_last, 2 threads), best of 2 x {s:.0f} s each")
        for name, rate in best.items():
            print(f"{name:22s} {rate:8.0f} img/s  {rate / best['default Net']:5.2f}x the default")
        return
    default = f"train: default (channels_last, 2 threads, batch {c.HYP['batch_size']})"
    other_batches = [b for b in (128, 256, 512) if b != c.HYP["batch_size"]]
    cases = {
        default: lambda: train_rate(seconds=s),
        "train: dilated convolutions natively (no space-to-batch)": lambda: train_rate(native=True, seconds=s),
        "train: contiguous (NCHW) memory format": lambda: train_rate(channels_last=False, seconds=s),
        "train: 1 thread": lambda: train_rate(threads=1, seconds=s),
        **{f"train: batch {b}": (lambda b=b: train_rate(batch=b, seconds=s)) for b in other_batches},
        "train: torch.compile": lambda: train_rate(compile=True, seconds=s),
        "eval: default (inference_mode, batch 1000)": lambda: eval_rate(seconds=s),
        "eval: dilated convolutions natively (no space-to-batch)": lambda: eval_rate(native=True, seconds=s),
        "eval: torch.no_grad": lambda: eval_rate(grad_mode="no_grad", seconds=s),
        "eval: BatchNorm folded into convolutions": lambda: eval_rate(fused=True, seconds=s),
    }
    best = {}
    for _ in range(2):
        for name, measure in cases.items():
            best[name] = max(best.get(name, 0.0), measure())
    train_base, eval_base = best[default], best["eval: default (inference_mode, batch 1000)"]
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, best of 2 x {s:.0f} s each")
    for name, rate in best.items():
        base = train_base if name.startswith("train") else eval_base
        print(f"{name:55s} {rate:8.0f} img/s  {rate / base:5.2f}x")


if __name__ == "__main__":
    main()
