"""Which dilated convolutions should train by space-to-batch on this CPU: the whole training step, with
cifar_c1c4.Conv3x3's space-to-batch kept for some dilated convolutions and the rest computed natively by
nn.Conv2d. Settings are measured in turn, ROUNDS times, and each keeps its best and median rate, because this
machine's timings are noisy. results/speed/atrous.py gives the same choice per convolution, in isolation.

    python results/speed/s2b_choice.py > results/speed/s2b-choice-<isa>.txt
"""
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import all_spaced, c, natively_dilated, train_rate  # noqa: E402

ROUNDS, SECONDS = 4, 6.0


SETTINGS = {  # name: a Net factory; the first is the ratios' base
    "space-to-batch for every dilated conv (before stop 49)": lambda: all_spaced(c.Net()),
    "space-to-batch for depthwise ones only (the default)": c.Net,
    "space-to-batch for depthwise ones of dilation < 6 only":
        lambda: natively_dilated(c.Net(), lambda m: m.dilation[0] >= 6),
    "every dilated conv native": lambda: natively_dilated(c.Net()),
}

if __name__ == "__main__":
    rates = {name: [] for name in SETTINGS}
    for _ in range(ROUNDS):
        for name, net in SETTINGS.items():
            rates[name].append(train_rate(net=net, seconds=SECONDS))
    base = max(rates[next(iter(SETTINGS))])
    print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, 2 threads, batch "
          f"{c.HYP['batch_size']}, channels_last, training step; {ROUNDS} rounds of {SECONDS:.0f} s, in turn")
    for name, r in rates.items():
        print(f"{name:55s} best {max(r):5.0f} img/s ({max(r) / base:4.2f}x), median {statistics.median(r):5.0f}; "
              f"all {', '.join(f'{v:.0f}' for v in r)}")
