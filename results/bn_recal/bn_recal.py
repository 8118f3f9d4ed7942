"""Would recomputing BatchNorm's statistics after training help? Measured on saved hold-out checkpoints.

    python results/bn_recal/bn_recal.py --data-dir data CKPT [CKPT ...]

Each CKPT is a last.pt written by `results/ablate.py` (trained on training images 0-44,999). The evaluated model in
it (the EMA, whose BatchNorm buffers are the step-wise average of the training model's running statistics, which
were gathered on augmented batches) is scored on the hold-out, training images 45,000-49,999, three ways:
  as saved;
  after `torch.optim.swa_utils.update_bn` recomputes every BatchNorm's mean and variance exactly (cumulative
    average) on the first N clean (unaugmented) training images;
  the same on those N images through the training augmentation (seed 0): separates "exact statistics of the final
    weights" from "statistics of clean images".
No test image is read.
"""
import argparse
import copy
import os
import sys

import torch
from torch.optim.swa_utils import update_bn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402

HOLDOUT = 5000


def recalibrated(model, batches):
    model = copy.deepcopy(model)
    update_bn(((x.contiguous(memory_format=torch.channels_last),) for x in batches), model)
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ckpts", nargs="+")
    p.add_argument("--data-dir", default="data")
    p.add_argument("--images", type=int, default=10_000, help="training images the statistics are computed on")
    args = p.parse_args()
    torch.set_num_threads(2)
    x, y = c.load_cifar10(args.data_dir, True, False)
    holdout = c.make_test_batches(x[-HOLDOUT:], y[-HOLDOUT:])
    clean = c.normalised(x[:args.images]).split(c.HYP["batch_size"])
    augment = c.train_transform()
    c.seed_transform(augment, 0)
    augmented = torch.stack([augment(image=im)["image"] for im in x[:args.images]]).split(c.HYP["batch_size"])
    cpu = torch.device("cpu")
    print(f"hold-out accuracy (%) of each checkpoint's evaluated model; statistics from the first {args.images:,} "
          f"training images, batches of {c.HYP['batch_size']}")
    print(f"{'checkpoint':40s} {'as saved':>9s} {'clean':>9s} {'augmented':>9s}")
    gains = []
    for path in args.ckpts:
        _, model = c.load_checkpoint(path)
        model = model.to(memory_format=torch.channels_last)
        accs = [c.evaluate(m, holdout, cpu)[1] for m in
                (model, recalibrated(model, clean), recalibrated(model, augmented))]
        gains.append([a - accs[0] for a in accs[1:]])
        print(f"{path:40s} {accs[0]:9.2f} {accs[1]:9.2f} {accs[2]:9.2f}")
    mean = torch.tensor(gains).mean(0).tolist()
    print(f"{'mean gain over the saved model':40s} {'':9s} {mean[0]:+9.2f} {mean[1]:+9.2f}")


if __name__ == "__main__":
    main()
