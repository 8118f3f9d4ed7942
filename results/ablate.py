"""Ablations of cifar_c1c4.py: train with some entries of its HYP changed, and decide without the test set.

    python results/ablate.py [--set KEY=VALUE ...] [--plain] [--holdout N] -- [cifar_c1c4.py options]

During training the last N (default 5,000) training images stand in for the test set, so the per-epoch
"test" columns of the log and metrics.csv are validation numbers, and choices between variants are made on
them. After training (fresh with --out, or continued with --resume), the final weights are evaluated once on the
real test set (the `--eval` line); `-- --eval CHECKPOINT` alone evaluates a checkpoint of any --arch on it.
--plain removes the residual skips (each block becomes its two layers in sequence). --arch NAME swaps
the model for one of ARCH's layouts (written as stages of layers, see `spec_net`). --bias-lr MULT trains the
BatchNorm biases at MULT times the lr (an idea from airbench, not adopted). --silu puts SiLU where the
Net has ReLU (not adopted). --bf16 runs training and evaluation under bfloat16 autocast on the CPU
too (cifar_c1c4.py uses it on CUDA only). --repeat STAGE... runs the Residual block of each named stage twice, the
second time with the same convolution weights and BatchNorms of its own (`repeat_blocks`). --linear-add drops the
ReLU after each Residual's add (`linear_add`; not adopted). --se ends every Residual branch in a
squeeze-and-excitation gate (`squeeze_excite`; not adopted). --dirac starts every convolution outside the
Residual branches, except the whitened first, as the identity on its first channels (`dirac_init`). --mixup
ALPHA trains on mixtures of image pairs (`mixup`). Muon for the dense and pointwise convolutions, tested with a
`--muon LR` flag here (commit c2acb59, cpu-20) and then adopted, is now the product's `MuonSGD`: `--set muon_lr=X`
changes its rate, and --muon-momentum BETA its momentum alone (`muon_momentum`; 0.95 not adopted).
--dw-relu puts a BatchNorm and a ReLU after every depthwise convolution (`depthwise_bn_relu`).
--freeze-whiten keeps the whitened first convolution fixed at its init (`freeze_whiten`). --lookahead STEPS
pulls the training weights towards their EMA every STEPS steps (`lookahead`; with --lookahead-own towards
slow weights of its own, as airbench94 does). --reflect-border fills the
border that ShiftScaleRotate uncovers by mirroring, as albumentations 1.x did (`reflect_border`). The
whitening init of the first conv, tested with a `--whiten` flag here (commit 5f129ca) and then adopted, is now
HYP["whiten"]: `--set whiten=0` turns it off. c1's second convolution, undilated since stop 36 (`--arch
c1-undilated` here, cpu-32 to cpu-36), is HYP["c1_dilation"]: `--set c1_dilation=2` builds the default before it.
Since stop 45 HYP's "affine" and "hole" are the 80-epoch run's (p 0.25) and a run of fewer epochs takes
HYP["short_run"]'s instead, so `--set affine=X` changes long runs only; for short ones set the pair, as in
`--set "short_run=(80, {'affine': 0.25, 'hole': 0.25})"` (what `--set affine=0.25 --set hole=0.25` did before).
"""
import argparse
import ast
import copy
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cifar_c1c4 as c  # noqa: E402


def holdout_split(n, load=c.load_cifar10):
    def load_split(data_dir, train, download):
        x, y = load(data_dir, True, download)
        return (x[:-n], y[:-n]) if train else (x[-n:], y[-n:])

    return load_split


# conv/sep (C_out, d): dense or depthwise separable 3x3, padded; res/ress (d1, d2): Residual of two such layers;
# t/ts (C_out, d): unpadded (shrinking) dense or separable 3x3; st/sts (C_out,): stride 2 (breaks the task's rules,
# only to measure what the dilated transitions cost against the usual downsampling); mix (d, t): a `Mix` block of
# dilation d and expansion t. "first" is the default Net of commit ba6aa09 (widths 24, 40, 80, 112); the later
# default is "c1w16" with c2's dilations (1, 1).
ARCH = {
    "first": [[("conv", 24, 1), ("t", 40, 6)], [("res", (1, 2)), ("ts", 80, 4)], [("ress", (2, 2)), ("ts", 112, 2)],
                [("ress", (3, 3))]],
    "strided": [[("conv", 24, 1), ("st", 40)], [("res", (1, 1)), ("sts", 80)], [("ress", (1, 1)), ("sts", 112)],
                [("ress", (1, 1))]],
    "d444": [[("conv", 24, 1), ("t", 40, 4)], [("res", (1, 2)), ("ts", 80, 4)], [("ress", (2, 2)), ("ts", 112, 4)],
             [("ress", (3, 3))]],
    "c1x2": [[("conv", 24, 1), ("conv", 24, 2), ("t", 40, 6)], [("res", (1, 2)), ("ts", 80, 4)],
             [("ress", (2, 2)), ("ts", 104, 2)], [("ress", (3, 3))]],
    "c1x2-d444": [[("conv", 24, 1), ("conv", 24, 2), ("t", 40, 4)], [("res", (1, 2)), ("ts", 80, 4)],
                  [("ress", (2, 2)), ("ts", 104, 4)], [("ress", (3, 3))]],
    "jump": [[("conv", 24, 1), ("conv", 24, 2), ("t", 40, 4)], [("res", (2, 2)), ("ts", 80, 4)],
             [("ress", (2, 4)), ("ts", 104, 4)], [("ress", (4, 4))]],
    "c1w16": [[("conv", 16, 1), ("conv", 16, 2), ("t", 40, 4)], [("res", (1, 2)), ("ts", 80, 4)],
              [("ress", (2, 2)), ("ts", 112, 4)], [("ress", (3, 3))]],
    "c1w32": [[("conv", 32, 1), ("t", 40, 6)], [("res", (1, 2)), ("ts", 80, 4)], [("ress", (2, 2)), ("ts", 112, 2)],
              [("ress", (3, 3))]],
    "dense-c3": [[("conv", 24, 1), ("t", 40, 6)], [("conv", 40, 2), ("t", 48, 4)], [("conv", 48, 2), ("ts", 96, 2)],
                 [("ress", (3, 3))]],
    "deep-sep": [[("conv", 24, 1), ("t", 40, 6)], [("res", (1, 2)), ("ts", 64, 4)],
                 [("ress", (1, 2)), ("ress", (2, 2)), ("ts", 80, 2)], [("ress", (2, 3)), ("ress", (3, 3))]],
    "wide-c2": [[("conv", 32, 1), ("t", 48, 6)], [("res", (1, 2)), ("ts", 96, 4)], [("ts", 96, 2)], [("ress", (4, 4))]],
    # ConvNeXt-like blocks (as in xvel/cifar10-tiniest, with BatchNorm and ReLU): most weights in 1x1 convolutions
    "mix": [[("conv", 32, 1), ("mix", (1, 2)), ("ts", 48, 4)], [("mix", (1, 2)), ("mix", (2, 2)), ("ts", 64, 4)],
            [("mix", (3, 2)), ("mix", (3, 2)), ("ts", 80, 4)], [("mix", (3, 2))]],
    # the same blocks after the default Net's c1, whose dense 16-channel convolutions are cheaper on a CPU
    "mix16": [[("conv", 16, 1), ("conv", 16, 2), ("t", 40, 4)], [("mix", (1, 2)), ("ts", 56, 4)],
              [("mix", (2, 2)), ("mix", (2, 2)), ("ts", 76, 4)], [("mix", (3, 2)), ("mix", (3, 2))]],
}


def cheap_mix(c1, dense_transition):
    """`mix` made cheaper at 32 x 32 for a CPU: a first conv and block c1 wide, and (-t) a dense first transition."""
    first = ("t", 40, 4) if dense_transition else ("ts", 48, 4)
    return [[("conv", c1, 1), ("mix", (1, 2)), first], [("mix", (1, 2)), ("mix", (2, 2)), ("ts", 64, 4)],
            [("mix", (3, 2)), ("mix", (3, 2)), ("ts", 80, 4)], [("mix", (3, 2))]]


ARCH.update({f"mix-c1w{c1}{'-t' if t else ''}": cheap_mix(c1, t) for c1 in (24, 16) for t in (True, False)})


def net_spec(transitions=(4, 4, 4), widths=(16, 40, 80, 112), c1_residual=False, c1_dilation=2,
             c2_dilations=(1, 1), c4_blocks=((3, 3),)):
    """The Net of 0a5f19b (transitions of dilation 4, 4, 4) as a spec, with other transition dilations (each trims
    2d pixels: (2, 4, 6) keeps maps of 28 and 20 where that Net has 24 and 16, at the same RF and parameters),
    other widths, c1's second conv made a Residual of two (one more dense conv at 32 x 32), that conv at another
    dilation, c2's Residual at other dilations, or c4 as several Residuals (one per pair of dilations). Since
    cf36409 the Net takes its dilations from HYP["transitions"], so `--set "transitions=(2, 4, 6)"` builds the
    same layers."""
    (d1, d2, d3), (w1, w2, w3, w4) = transitions, widths
    c1 = [("res", (1, 2))] if c1_residual else [("conv", w1, c1_dilation)]
    return [[("conv", w1, 1), *c1, ("t", w2, d1)], [("res", c2_dilations), ("ts", w3, d2)],
            [("ress", (2, 2)), ("ts", w4, d3)], [("ress", d) for d in c4_blocks]]


ARCH.update({"maps-28-20": net_spec((2, 4, 6)), "maps-24-20": net_spec((4, 2, 6)),
             "maps-28-20-w48": net_spec((2, 4, 6), (16, 48, 80, 88)), "c1res": net_spec(c1_residual=True)})
# the default Net of 4aa6c17 (c3 88 wide) with c1's second conv undilated: RF 53, fine detail kept at 32 x 32 (stop 32)
ARCH["c1-undilated"] = net_spec((2, 6, 4), (16, 40, 88, 112), c1_dilation=1)
# both stop-32 and stop-33 near misses at once: c1 undilated, 8 channels moved from c4 to c3 (stop 33)
ARCH["c1-undilated-c3w96"] = net_spec((2, 6, 4), (16, 40, 96, 104), c1_dilation=1)
# the default Net of 4aa6c17 with c2's Residual at dilations (1, 2): RF 57, more context at 28 x 28 (stop 34)
ARCH["c2-d12"] = net_spec((2, 6, 4), (16, 40, 88, 112), c2_dilations=(1, 2))
# the default Net of 4aa6c17 with c4 two Residuals 82 wide instead of one 112 wide: depth where maps are cheapest,
# at 98,586 parameters; RF 59 (stop 35)
ARCH["c4x2-w82"] = net_spec((2, 6, 4), (16, 40, 88, 82), c4_blocks=((3, 3), (1, 1)))
# cheaper steps between the default's maps (24, 16) and maps-28-20's, for a CPU (stop 15)
ARCH.update({f"maps-{32 - 2 * d1}-{32 - 2 * d1 - 2 * d2}": net_spec((d1, d2, 12 - d1 - d2))
             for d1, d2 in ((2, 6), (3, 4), (3, 3), (2, 5))})


class Mix(nn.Module):
    """x + f(x), f: depthwise 3x3 (dilation d), BN, 1x1 to t*C, ReLU, 1x1 back to C, BN starting at zero."""

    def __init__(self, channels, dilation, expansion):
        super().__init__()
        hidden = expansion * channels
        self.f = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation, groups=channels, bias=False),
            nn.BatchNorm2d(channels), nn.Conv2d(channels, hidden, 1, bias=False), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1, bias=False), nn.BatchNorm2d(channels))
        nn.init.zeros_(self.f[-1].weight)

    def forward(self, x):
        return x + self.f(x)


def spec_net(spec):
    def layer(kind, channels, *a):
        if kind in ("res", "ress"):
            return c.Residual(channels, a[0], separable=kind == "ress"), channels
        if kind == "mix":
            return Mix(channels, *a[0]), channels
        separable = kind in ("sep", "ts", "sts")
        if kind in ("st", "sts"):
            m = c.conv_bn(channels, a[0], separable=separable)
            m[0].stride = (2, 2)
            return m, a[0]
        return c.conv_bn(channels, a[0], a[1], padded=kind in ("conv", "sep"), separable=separable), a[0]

    class SpecNet(c.Net):
        def __init__(self, *_):  # the spec sets the whole layout
            nn.Module.__init__(self)
            channels = 3
            for i, stage in enumerate(spec):
                mods = []
                for kind, *a in stage:
                    m, channels = layer(kind, channels, *a)
                    mods.append(m)
                setattr(self, f"c{i + 1}", nn.Sequential(*mods))
            self.o = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, len(c.CLASSES)))

    return SpecNet


def repeat_blocks(net, stages):
    """`net` with each named stage's Residual applied twice: the second pass shares the convolution weights and has
    BatchNorms of its own (their statistics differ; the last starts at zero, so the pass starts as the identity).
    More computation per parameter, for a model that underfits within its parameter budget.
    """
    class Repeated(net):
        def __init__(self, *layout):  # Net's widths, transitions and c1 dilation
            super().__init__(*layout)
            for name in stages:
                stage = getattr(self, name)
                layers = list(stage) if isinstance(stage, nn.Sequential) else [stage]
                block = layers[0]
                twin = copy.deepcopy(block)
                for mine, theirs in zip(twin.modules(), block.modules()):
                    if isinstance(mine, nn.Conv2d):
                        mine.weight = theirs.weight
                setattr(self, name, nn.Sequential(block, twin, *layers[1:]))

    return Repeated


def squeeze_excite(net):
    """`net` with every Residual branch ending in a squeeze-and-excitation gate (torchvision's, squeezing to 1/8 of
    the channels): each channel rescaled from the whole map's average, global context that a network without
    downsampling otherwise gets only through its receptive field. Uses the parameters the default leaves under 100k.
    """
    class Excited(net):
        def __init__(self, *layout):  # Net's widths, transitions and c1 dilation
            super().__init__(*layout)
            for block in [m for m in self.modules() if isinstance(m, c.Residual)]:
                channels = block.f[-1][-1].num_features
                block.f.append(torchvision.ops.SqueezeExcitation(channels, channels // 8))

    return Excited


def dirac_init(net):
    """`net` with its convolutions outside the Residual branches (c1's second conv and the three transitions; not
    the whitened first) starting as the identity on as many channels as they keep, the rest at PyTorch's default
    init (airbench's identity init, worth about 3 of its 21 epochs to 94 %). Unpadded, the identity is a crop.
    Residual branches already start as the identity through their zeroed last BatchNorm."""
    class Dirac(net):
        def __init__(self, *layout):  # Net's widths, transitions and c1 dilation
            super().__init__(*layout)
            inside = {id(m) for block in self.modules() if isinstance(block, c.Residual) for m in block.modules()}
            convs = [m for m in self.modules() if isinstance(m, nn.Conv2d) and id(m) not in inside][1:]
            with torch.no_grad():
                for conv in convs:
                    kept = min(conv.in_channels // conv.groups, conv.out_channels) * conv.groups
                    nn.init.dirac_(conv.weight[:kept], groups=conv.groups)

    return Dirac


def depthwise_bn_relu(net):
    """`net` with a BatchNorm and a ReLU between each depthwise 3x3 and its 1x1 pointwise (MobileNet's separable
    convolution; the product's, like Xception's, has nothing there): six more nonlinear layers for 1,056
    parameters, for a model that underfits within its parameter budget."""
    class Separated(net):
        def __init__(self, *layout):  # Net's widths, transitions and c1 dilation
            super().__init__(*layout)
            for seq in [m for m in self.modules() if isinstance(m, nn.Sequential)]:
                if isinstance(seq[0], nn.Conv2d) and c.conv_kind(seq[0]) == "depthwise":
                    seq.insert(1, nn.BatchNorm2d(seq[0].out_channels))
                    seq.insert(2, nn.ReLU(inplace=True))

    return Separated


def plain_residual():
    def init(self, channels, dilations, separable):
        nn.Module.__init__(self)
        self.f = nn.Sequential(c.conv_bn(channels, channels, dilations[0], separable=separable),
                               c.conv_bn(channels, channels, dilations[1], separable=separable, relu=False))

    c.Residual.__init__ = init
    c.Residual.forward = lambda self, x: F.relu(self.f(x))


def linear_add():
    """Residual blocks return x + f(x): no ReLU after the add, so the sum passes on unclipped (MobileNetV2's linear
    bottleneck argument, for narrow layers where a ReLU loses information)."""
    c.Residual.forward = lambda self, x: x + self.f(x)


def bias_lr(mult):
    """BatchNorm biases at `mult` times the peak lr (airbench trains them 64x faster than the weights)."""
    def make_optimizer(model, hyp):
        biases = [m.bias for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        ids = {id(p) for p in biases}
        weights = [p for p in model.parameters() if p.ndim > 1]
        others = [p for p in model.parameters() if p.ndim <= 1 and id(p) not in ids]
        return torch.optim.SGD([{"params": weights, "weight_decay": hyp["weight_decay"]},
                                {"params": others, "weight_decay": 0.0},
                                {"params": biases, "weight_decay": 0.0}],
                               lr=hyp["lr"], momentum=hyp["momentum"], nesterov=True)

    def make_scheduler(optimizer, hyp, steps_per_epoch):
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=[hyp["lr"], hyp["lr"], hyp["lr"] * mult], total_steps=hyp["epochs"] * steps_per_epoch,
            pct_start=hyp["warmup"], anneal_strategy="linear", cycle_momentum=False)

    c.make_optimizer, c.make_scheduler = make_optimizer, make_scheduler


def muon_momentum(beta):
    """Muon's groups at momentum `beta`, the rest of the optimiser unchanged. Keller Jordan's Muon defaults to 0.95;
    airbench94_muon uses 0.6 at batch 2000, which keeps as much of each image's gradient per image seen as about
    0.97 does at batch 128 (0.6 ** (128 / 2000)); the product uses SGD's 0.9 for both."""
    make_optimizer = c.make_optimizer

    def make_optimizer_beta(model, hyp):
        optimizer = make_optimizer(model, hyp)
        for group in (g for g in optimizer.param_groups if g.get("muon")):
            group["momentum"] = beta
        return optimizer

    c.make_optimizer = make_optimizer_beta


def silu():
    """SiLU (x * sigmoid(x)) wherever the Net has a ReLU: a smoother activation, as in MobileNetV3 and EfficientNet."""
    conv_bn = c.conv_bn

    def conv_bn_silu(*args, relu=True, **kwargs):
        m = conv_bn(*args, relu=relu, **kwargs)
        if relu:
            m[-1] = nn.SiLU(inplace=True)
        return m

    c.conv_bn = conv_bn_silu
    c.Residual.forward = lambda self, x: F.silu(x + self.f(x))


def mixup(alpha):
    """Train on convex mixtures of each batch with a shuffled copy of itself, the targets mixed in the same proportion
    (Zhang et al. 2018), the proportion drawn from Beta(alpha, alpha) per batch from torch's generator (which a
    checkpoint saves). Cross-entropy is linear in its target distribution, so the product's train_step, given the
    mixed one-hot targets, computes the mixed loss (label smoothing included). Training accuracy is counted against
    the first image's label. (cpu-19 ran an equivalent version that mixed two losses, commit dfb2248.)"""
    beta = torch.distributions.Beta(torch.tensor(float(alpha)), torch.tensor(float(alpha)))
    train_step = c.train_step

    def mixed_train_step(model, ema, optimizer, scheduler, x, y, device, hyp):
        lam, perm = beta.sample().item(), torch.randperm(len(y), device=y.device)
        targets = F.one_hot(y, len(c.CLASSES)).float()
        return train_step(model, ema, optimizer, scheduler, lam * x + (1 - lam) * x[perm],
                          lam * targets + (1 - lam) * targets[perm], device, hyp)

    c.train_step = mixed_train_step


def lookahead(every, own_slow=False):
    """Every `every` steps, move each training weight and BatchNorm statistic to a * EMA + (1 - a) * itself, with
    a = 0.95^every * (t / T)^3 at step t of T: airbench94's lookahead schedule, which pulls harder as the rate
    decays. The EMA itself is unchanged and is still what is evaluated and saved.

    With own_slow, the pull is toward slow weights of the lookahead's own, which then take the blend's value, as
    airbench94's LookaheadState does: they lag the training weights by a few pulls, not by the EMA's ~100 steps.
    They start as the training weights at the first pull (a is then ~1e-10, so that is airbench's start too)."""
    train_step = c.train_step
    own = []

    def lookahead_step(model, ema, optimizer, scheduler, x, y, device, hyp):
        result = train_step(model, ema, optimizer, scheduler, x, y, device, hyp)
        t = scheduler.last_epoch  # steps taken, this one included
        if t % every == 0:
            a = 0.95 ** every * (t / scheduler.total_steps) ** 3
            mine_all = [*model.parameters(), *model.buffers()]
            if own_slow and not own:
                own.extend(m.detach().clone() for m in mine_all)
            with torch.no_grad():
                for mine, slow in zip(mine_all, own or [*ema.module.parameters(), *ema.module.buffers()]):
                    if mine.is_floating_point():
                        mine.lerp_(slow, a)
                        if own_slow:
                            slow.copy_(mine)
        return result

    c.train_step = lookahead_step


def reflect_border():
    """Fill the pixels that ShiftScaleRotate (built as A.Affine) uncovers by mirroring the image (OpenCV's
    BORDER_REFLECT_101, the default of A.ShiftScaleRotate in albumentations 1.x) instead of with the dataset mean
    (its 2.x default is constant 0; the product fills with the mean)."""
    train_transform = c.train_transform

    def reflecting_transform(hyp=c.HYP):
        transform = train_transform(hyp)
        affine, = [t for t in transform.transforms if isinstance(t, c.A.Affine)]
        affine.border_mode = c.cv2.BORDER_REFLECT_101
        return transform

    c.train_transform = reflecting_transform


def freeze_whiten():
    """Keep the first convolution at its whitening init: its weights get no gradient and never move (airbench94
    freezes its whitening layer the same way). Only for a fresh run: a resumed one would train them again. The
    frozen 432 weights drop out of count_params' total, though they still count against the task's budget."""
    whiten_ = c.whiten_

    def whiten_frozen_(conv, images, eps=1e-2):
        whiten_(conv, images, eps)
        conv.weight.requires_grad_(False)

    c.whiten_ = whiten_frozen_


def bf16_everywhere():
    """bfloat16 autocast on every device; cifar_c1c4.py enables it on CUDA only."""
    c.autocast = lambda device: torch.autocast(device.type, dtype=torch.bfloat16)


def main():
    argv = sys.argv[1:]
    ours, theirs = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override HYP[KEY]")
    p.add_argument("--holdout", type=int, default=5000)
    p.add_argument("--plain", action="store_true")
    p.add_argument("--arch", choices=ARCH)
    p.add_argument("--bias-lr", type=float, metavar="MULT", help="BatchNorm biases at MULT times the lr")
    p.add_argument("--silu", action="store_true", help="SiLU instead of ReLU everywhere")
    p.add_argument("--repeat", nargs="+", default=[], metavar="STAGE", help="run these stages' Residual twice")
    p.add_argument("--linear-add", action="store_true", help="no ReLU after each Residual's add")
    p.add_argument("--se", action="store_true", help="squeeze-and-excitation at the end of every Residual branch")
    p.add_argument("--dirac", action="store_true", help="identity init of the convolutions outside Residuals")
    p.add_argument("--mixup", type=float, metavar="ALPHA", help="mixup with Beta(ALPHA, ALPHA) proportions")
    p.add_argument("--muon-momentum", type=float, metavar="BETA", help="momentum of Muon's groups only")
    p.add_argument("--freeze-whiten", action="store_true", help="the whitened first conv stays at its init")
    p.add_argument("--dw-relu", action="store_true", help="BatchNorm and ReLU after every depthwise convolution")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast on the CPU too (training and evaluation)")
    p.add_argument("--lookahead", type=int, metavar="STEPS", help="pull the training weights to the EMA every STEPS")
    p.add_argument("--lookahead-own", action="store_true", help="with --lookahead: toward its own slow weights")
    p.add_argument("--reflect-border", action="store_true", help="ShiftScaleRotate mirrors the image into its border")
    args = p.parse_args(ours)
    if args.lookahead_own and not args.lookahead:
        p.error("--lookahead-own only changes --lookahead STEPS; give both")
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in c.HYP:
            sys.exit(f"unknown HYP key {key!r}; known: {', '.join(c.HYP)}")
        c.HYP[key] = ast.literal_eval(value)
    if args.plain:
        plain_residual()
    if args.linear_add:
        linear_add()
    if args.bias_lr:
        bias_lr(args.bias_lr)
    if args.muon_momentum:
        muon_momentum(args.muon_momentum)
    if args.silu:
        silu()
    if args.bf16:
        bf16_everywhere()
    if args.freeze_whiten:
        freeze_whiten()
    if args.mixup:
        mixup(args.mixup)
    if args.lookahead:
        lookahead(args.lookahead, args.lookahead_own)
    if args.reflect_border:
        reflect_border()
    if args.arch:
        c.Net = spec_net(ARCH[args.arch])
    if args.repeat:
        c.Net = repeat_blocks(c.Net, args.repeat)
    if args.se:
        c.Net = squeeze_excite(c.Net)
    if args.dirac:
        c.Net = dirac_init(c.Net)
    if args.dw_relu:
        c.Net = depthwise_bn_relu(c.Net)
    if "--eval" in theirs:  # the one look at the real test set, for a run that ended without it
        sys.exit(c.main(theirs))
    load = c.load_cifar10
    c.load_cifar10 = holdout_split(args.holdout)
    status = c.main(theirs)
    out = (theirs[theirs.index("--out") + 1] if "--out" in theirs else
           os.path.dirname(theirs[theirs.index("--resume") + 1]) if "--resume" in theirs else None)
    if status or out is None:
        sys.exit(status)
    c.load_cifar10 = load
    keep = [a for i, a in enumerate(theirs) if a in ("--device", "--data-dir") or
            (i and theirs[i - 1] in ("--device", "--data-dir"))]
    sys.exit(c.main(["--eval", os.path.join(out, "last.pt"), *keep]))


if __name__ == "__main__":
    main()
