"""Numbers the README quotes that no training run gives: multiply-accumulates, what the depthwise separable
pairs save, and the albumentations seeding behaviour that cifar_c1c4.seed_transform works around.

    python results/design_numbers.py > results/design_numbers.txt
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cifar_c1c4 as c  # noqa: E402


def conv_macs(model):
    """Forward multiply-accumulates of each Conv2d and Linear, for one 32x32 image."""
    macs, hooks = {}, []
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            hooks.append(m.register_forward_hook(
                lambda mod, i, o, name=name: macs.__setitem__(name, mod.weight.numel() * o[0, 0].numel())))
    model.eval()(torch.zeros(1, 3, 32, 32))
    return macs


def separable_savings(model, macs):
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    totals = np.zeros(4)
    for (n1, dw), (n2, pw) in zip(convs, convs[1:]):
        if c.conv_kind(dw) == "depthwise":
            dense = 9 * dw.in_channels * pw.out_channels
            pixels = macs[n2] // pw.weight.numel()
            row = np.array([dw.weight.numel() + pw.weight.numel(), dense, macs[n1] + macs[n2], dense * pixels])
            totals += row
            print(f"{n1:12s} {dw.in_channels:4d} -> {pw.out_channels:4d}  separable {row[0]:7.0f} params "
                  f"{row[2] / 1e6:5.2f} M MAC   dense 3x3 {row[1]:7.0f} params {row[3] / 1e6:5.2f} M MAC")
    print(f"all pairs: separable {totals[0]:.0f} params, {totals[2] / 1e6:.1f} M MAC; dense would be {totals[1]:.0f} "
          f"params ({totals[1] / totals[0]:.1f}x), {totals[3] / 1e6:.1f} M MAC")


def draw_combinations(seed_with):
    """How often flip (p 0.5) and gray (p 0.5) are applied together, over 4,000 images."""
    import albumentations as A

    transform = A.Compose([A.HorizontalFlip(p=0.5), A.ToGray(p=0.5)], save_applied_params=True)
    seed_with(transform)
    image, counts = np.zeros((32, 32, 3), np.uint8), {}
    for _ in range(4000):
        applied = tuple(sorted(name for name, _ in transform(image=image)["applied_transforms"]))
        counts[applied] = counts.get(applied, 0) + 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    model = c.Net()
    macs = conv_macs(model)
    print(f"Net: {c.count_params(model):,} parameters, {sum(macs.values()) / 1e6:.1f} M multiply-accumulates "
          f"per 32x32 image (forward)\n")
    separable_savings(model, macs)
    print("\nflip p 0.5 and gray p 0.5, 4,000 images:")
    print("  Compose.set_random_seed(123):", draw_combinations(lambda t: t.set_random_seed(123)))
    print("  cifar_c1c4.seed_transform(123):", draw_combinations(lambda t: c.seed_transform(t, 123)))
