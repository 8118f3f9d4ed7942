"""Tests for cifar_c1c4.py: CPU only, no dataset, no network, under a minute on a 2-core CPU.

Every test also fails on any warning (the product promises a warning-free run).
"""
import json
import os
import pickle
import subprocess
import sys
import urllib.error
import warnings

import albumentations as A
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import cifar_c1c4 as c

pytestmark = pytest.mark.filterwarnings("error")
HERE = os.path.dirname(os.path.abspath(__file__))
NO_AUG = {"flip": 0.0, "affine": 0.0, "hole": 0.0, "gray": 0.0}


def hyp(**changes):
    return {**c.HYP, **changes}


def image(seed=0):
    return np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)


def normalised(img):
    return c.test_transform()(image=img)["image"]


# ---------------------------------------------------------------------------------------------------------------
# Model: shapes, parameters, receptive field, the task's constraints


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("train", [True, False])
def test_output_shape(batch, train):
    model = c.Net().train(train)
    assert model(torch.randn(batch, 3, 32, 32)).shape == (batch, 10)


def test_whitening_gives_the_first_layer_decorrelated_unit_variance_outputs():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (16, 32, 32, 1))
    images = np.clip(grey + rng.integers(-30, 31, (16, 32, 32, 3)), 0, 255).astype(np.uint8)  # correlated channels
    conv = c.Net().c1[0][0]
    c.whiten_(conv, images)
    x = torch.stack([normalised(img) for img in images])
    out = F.conv2d(x, conv.weight).transpose(0, 1).flatten(1)
    k = conv.out_channels // 2
    assert torch.allclose(torch.cov(out[:k]), torch.eye(k), atol=0.05)
    assert torch.equal(conv.weight[k:], -conv.weight[:k])


@pytest.mark.parametrize("size, dilation, padded, groups", [(32, 2, True, 1), (32, 2, False, 1), (28, 6, False, 8),
                                                             (8, 3, True, 8), (9, 4, True, 1)])
def test_space_to_batch_computes_the_dilated_convolution_and_its_gradients(size, dilation, padded, groups):
    conv = c.Conv3x3(8, 8, dilation, padded, groups).double()
    for memory_format in (torch.contiguous_format, torch.channels_last):
        x = torch.randn(2, 8, size, size, dtype=torch.float64).to(memory_format=memory_format).requires_grad_()
        reference, ours = nn.Conv2d.forward(conv, x), conv.space_to_batch(x)
        assert reference.shape[-1] == size - (0 if padded else 2 * dilation)
        assert torch.allclose(ours, reference, atol=1e-12)
        g = torch.randn_like(reference)
        for mine, theirs in zip(torch.autograd.grad((ours * g).sum(), (x, conv.weight)),
                                torch.autograd.grad((reference * g).sum(), (x, conv.weight))):
            assert torch.allclose(mine, theirs, atol=1e-10)
        with torch.no_grad():
            assert torch.allclose(conv(x), reference, atol=1e-12)


@pytest.mark.parametrize("groups, dilation, spaced", [(8, 2, True), (8, 1, False), (1, 2, False)])
def test_only_dilated_depthwise_convolutions_train_by_space_to_batch(groups, dilation, spaced):
    conv = c.Conv3x3(8, 8, dilation, groups=groups)
    x = torch.randn(2, 8, 12, 12, requires_grad=True)
    assert (type(conv(x).grad_fn) is not type(nn.Conv2d.forward(conv, x).grad_fn)) == spaced


def test_parameter_budget_and_report_total():
    model = c.Net()
    params = sum(p.numel() for p in model.parameters())
    assert params < 100_000
    assert sum(row["params"] for row in c.model_report(model)) == params


def empirical_receptive_field(model, size=128):
    """Extent of the input gradient of one centre unit of the last feature map.

    Positive weights, BatchNorm as identity in eval mode, float64 and an input much larger than the RF, so no
    path cancels, no batch statistics couple pixels, and the border clips nothing.
    """
    model = model.double().eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.fill_(1.0 / (m.weight[0].numel()))
            elif isinstance(m, nn.BatchNorm2d):
                m.reset_parameters()
                m.reset_running_stats()
    x = torch.ones(1, 3, size, size, dtype=torch.float64, requires_grad=True)
    features = model.features(x)
    features[0, :, features.shape[2] // 2, features.shape[3] // 2].sum().backward()
    rows, cols = x.grad[0].abs().sum(0).nonzero(as_tuple=True)
    return rows.max().item() - rows.min().item() + 1, cols.max().item() - cols.min().item() + 1


def test_receptive_field_analytic_matches_gradient():
    rf = c.receptive_field(c.Net())
    assert rf > 52
    assert empirical_receptive_field(c.Net()) == (rf, rf)


@pytest.mark.parametrize("transitions, sizes", [(None, [28, 16, 8]), ((4, 4, 4), [24, 16, 8])])
def test_transitions_set_the_map_sizes_not_the_parameters_or_the_rf(transitions, sizes):
    model = c.Net(transitions=transitions or c.HYP["transitions"])
    shrinking = [r["size"] for r in c.model_report(model) if r["kernel"] == 3 and r["padding"] == 0]
    assert shrinking == sizes and model.features(torch.randn(1, 3, 32, 32)).shape[-2:] == (8, 8)
    assert c.count_params(model) == c.count_params(c.Net()) and c.receptive_field(model) == c.receptive_field(c.Net())


def test_report_reads_string_padding():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding="same", dilation=2), nn.Conv2d(4, 4, 3, padding="valid"))
    rows = c.model_report(model)
    assert [(r["size"], r["rf"]) for r in rows] == [(32, 5), (30, 7)]


def test_receptive_field_walk_counts_stride_and_dilation():
    # jump doubles after the stride; the dilated layer then adds (d*(k-1)) * jump = 4 * 2
    model = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.Conv2d(4, 4, 3, dilation=2), nn.AdaptiveAvgPool2d(1))
    rows = c.model_report(model)
    assert [r["rf"] for r in rows] == [3, 11, 11]
    assert [r["jump"] for r in rows] == [2, 2, 2]
    assert [r["size"] for r in rows] == [15, 11, 1]


def test_structure_constraints():
    model = c.Net()
    assert [name for name, _ in model.named_children()] == ["c1", "c2", "c3", "c4", "o"]
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(m.stride == (1, 1) for m in convs)
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in model.modules())
    assert sum(max(m.dilation) > 1 for m in convs) >= 1
    for block in (model.c1, model.c2, model.c3):  # each ends in an unpadded dilated 3x3
        last = [m for m in block.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)][-1]
        assert last.dilation[0] >= 2 and last.padding == (0, 0)
    pairs = [(a, b) for a, b in zip(convs, convs[1:]) if a.groups == a.in_channels == a.out_channels > 1]
    assert len(pairs) >= 2
    for depthwise, pointwise in pairs:
        assert depthwise.kernel_size == (3, 3) and pointwise.kernel_size == (1, 1)
        assert pointwise.in_channels == depthwise.out_channels
    head = list(model.o)
    assert isinstance(head[0], nn.AdaptiveAvgPool2d) and isinstance(head[-1], nn.Linear)
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.ReLU)) for m in head)  # raw logits


def test_checklist_passes_for_net_and_fails_for_a_pooled_net():
    checks = c.constraint_checks(c.Net(), c.train_transform())
    assert all(ok for _, _, ok in checks), c.format_checks(checks)
    pooled = c.Net()
    pooled.c1[1][0].stride = (2, 2)
    pooled.c2.append(nn.MaxPool2d(2))
    failed = {name for name, _, ok in c.constraint_checks(pooled, c.train_transform()) if not ok}
    assert "no max-pooling, no stride > 1" in failed


def test_checklist_catches_a_black_hole():
    transform = c.train_transform()
    transform.transforms[2].fill = (0, 0, 0)
    failed = [name for name, _, ok in c.constraint_checks(c.Net(), transform) if not ok]
    assert failed == ["augmentation: flip, shift-scale-rotate, 16x16 hole at the mean, gray"]


def test_summary_exits_zero_and_passes_every_line(capsys):
    assert c.main(["--summary"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and out.count("PASS") == 9
    assert "receptive field > 52" in out


def test_import_has_no_side_effects(tmp_path):
    code = "import os, cifar_c1c4; assert os.environ['NO_ALBUMENTATIONS_UPDATE'] == '1'"
    env = dict(os.environ, PYTHONPATH=HERE)
    env.pop("NO_ALBUMENTATIONS_UPDATE", None)
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------------------------
# Augmentation


def test_transforms_build_and_run_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = c.train_transform()(image=image())["image"]
        assert c.test_transform()(image=image())["image"].shape == out.shape == (3, 32, 32)
        assert out.dtype == torch.float32


def test_hole_is_16x16_at_the_dataset_mean():
    transform = c.train_transform(hyp(**{**NO_AUG, "hole": 1.0}))
    c.seed_transform(transform, 0)
    for seed in range(5):
        x = transform(image=np.zeros((32, 32, 3), np.uint8))["image"]  # black image: mean-coloured hole stands out
        hole = (x.abs() < 0.01).all(0)  # the mean normalises to 0 (to within the 1/255 rounding of the fill)
        rows, cols = hole.nonzero(as_tuple=True)
        assert hole.sum() == 256, seed
        assert rows.max() - rows.min() == cols.max() - cols.min() == 15


def test_shift_scale_rotate_border_is_filled_with_the_mean():
    transform = c.train_transform(hyp(**{**NO_AUG, "affine": 1.0, "rotate": 45, "scale": 0.0, "shift": 0.0}))
    c.seed_transform(transform, 0)
    x = transform(image=np.zeros((32, 32, 3), np.uint8))["image"]
    assert (x[:, 0, 0].abs() < 0.01).all()  # a corner rotated in from outside: the mean, not black


def test_affine_is_exactly_shift_scale_rotate():
    ours = next(t for t in c.train_transform().transforms if isinstance(t, A.Affine))
    with pytest.warns(UserWarning, match="ShiftScaleRotate"):
        theirs = A.ShiftScaleRotate(shift_limit=c.HYP["shift"], scale_limit=c.HYP["scale"],
                                    rotate_limit=c.HYP["rotate"], border_mode=ours.border_mode, fill=ours.fill, p=1)
    ours = A.Compose([A.Affine(**{**ours.get_transform_init_args(), "p": 1})])
    theirs = A.Compose([theirs])
    for t in (ours, theirs):
        c.seed_transform(t, 7)
    for seed in range(10):
        assert np.array_equal(ours(image=image(seed))["image"], theirs(image=image(seed))["image"])


def test_gray_gives_three_equal_channels_before_normalize():
    gray = next(t for t in c.train_transform(hyp(gray=1.0)).transforms if isinstance(t, A.ToGray))
    out = gray(image=image())["image"]
    assert out.dtype == np.uint8 and out.shape == (32, 32, 3)
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 1], out[..., 2])


def test_flip_mirrors_the_image():
    transform = c.train_transform(hyp(**{**NO_AUG, "flip": 1.0}))
    img = image()
    assert torch.equal(transform(image=img)["image"], normalised(np.ascontiguousarray(img[:, ::-1])))


def test_runs_shorter_than_the_default_take_the_lighter_augmentation():
    shortest_long, lighter = c.HYP["short_run"]
    assert c.hyp_for(shortest_long) == c.HYP  # the default run is HYP as written
    short = c.hyp_for(shortest_long - 1)
    assert short == {**c.HYP, **lighter, "epochs": shortest_long - 1}
    assert all(short[k] < c.HYP[k] for k in ("affine", "hole"))  # lighter, and no other setting moves
    assert c.hyp_for(200)["affine"] == c.HYP["affine"] and c.hyp_for(200)["epochs"] == 200


def test_no_augmentation_is_the_test_transform():
    img = image()
    assert torch.equal(c.train_transform(hyp(**NO_AUG))(image=img)["image"], normalised(img))


def test_random_decisions_are_independent_between_transforms():
    # albumentations' own set_random_seed gives every transform the same stream, so flip and gray coincide
    transform = c.train_transform(hyp(**{**NO_AUG, "flip": 0.5, "gray": 0.5}))
    c.seed_transform(transform, 3)
    img = np.zeros((32, 32, 3), np.uint8)
    img[:, :16], img[:, 16:] = (200, 30, 60), (10, 220, 90)  # gray levels 84 and 142: green 30 -> 84, 220 -> 142
    counts = {}
    for _ in range(400):
        x = transform(image=img)["image"] * torch.tensor(c.STD).view(3, 1, 1) + torch.tensor(c.MEAN).view(3, 1, 1)
        key = (bool(x[1, :, :16].mean() > 113 / 255), bool(torch.allclose(x[0], x[1], atol=1e-3)))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 4 and min(counts.values()) > 60, counts  # each of the four about 100


def augmented_batches(workers, epochs=2):
    images = np.repeat(image()[None], 16, axis=0)  # one image: any difference comes from the augmentation
    loader = c.make_train_loader(images, np.zeros(16), hyp(hole=1.0), 4, workers, 0, torch.device("cpu"))
    return [[x for x, _ in loader] for _ in range(epochs)]


def test_two_workers_and_two_epochs_see_different_augmentations():
    (a0, a1, a2, a3), (b0, b1, b2, b3) = augmented_batches(workers=2)
    assert not torch.equal(a0, a1)  # batches 0 and 1 come from workers 0 and 1
    assert not torch.equal(a0, b0) and not torch.equal(a1, b1)  # each worker moves on between epochs


@pytest.mark.parametrize("workers", [0, 2])
def test_loading_repeats_for_the_same_seed(workers):
    # every stream comes from the seed, not from the clock or a worker's process id: a run repeats exactly
    first, second = augmented_batches(workers), augmented_batches(workers)
    assert all(torch.equal(x, y) for x, y in zip(first[0] + first[1], second[0] + second[1]))
    assert not torch.equal(first[0][0], first[1][0])  # and moves on between epochs


# ---------------------------------------------------------------------------------------------------------------
# Training


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    model = c.Net().to(memory_format=torch.channels_last)
    h = hyp(lr=0.05, label_smoothing=0.0, ema_decay=0.9)
    optimizer = c.make_optimizer(model, h)
    scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
    ema = c.make_ema(model, h)
    x, y = torch.randn(32, 3, 32, 32).to(memory_format=torch.channels_last), torch.arange(32) % 10
    losses = [c.train_step(model, ema, optimizer, scheduler, x, y, torch.device("cpu"), h)[0].item()
              for _ in range(25)]
    assert losses[-1] < 0.5 * losses[0]
    assert ema.n_averaged.item() == 25


def test_schedule_warms_up_then_decays_to_zero_over_the_whole_run():
    optimizer = c.make_optimizer(c.Net(), c.HYP)
    scheduler = c.make_scheduler(optimizer, hyp(epochs=4), steps_per_epoch=25)
    lrs, muon_lrs = [], []
    for _ in range(100):
        lrs.append(optimizer.param_groups[0]["lr"])
        muon_lrs.append(optimizer.param_groups[2]["lr"])
        optimizer.step()
        scheduler.step()
    peak = int(np.argmax(lrs))
    assert abs(peak - 0.15 * 100) <= 1 and lrs[peak] == pytest.approx(c.HYP["lr"])
    assert all(a <= b for a, b in zip(lrs[:peak], lrs[1:peak + 1]))
    assert all(a >= b for a, b in zip(lrs[peak:], lrs[peak + 1:]))
    assert lrs[-1] < 1e-3 * c.HYP["lr"]
    assert muon_lrs == pytest.approx([lr * c.HYP["muon_lr"] / c.HYP["lr"] for lr in lrs])  # the same schedule


def test_optimizer_groups_muon_for_dense_convs_sgd_for_the_rest():
    model = c.Net()
    decayed, plain, muon = c.make_optimizer(model, c.HYP).param_groups
    assert decayed["weight_decay"] == c.HYP["weight_decay"] and plain["weight_decay"] == muon["weight_decay"] == 0
    dense = [m.weight for m in model.modules() if isinstance(m, nn.Conv2d) and m.groups == 1]
    assert muon["muon"] and [id(p) for p in muon["params"]] == [id(p) for p in dense]
    assert all(p.ndim > 1 for p in decayed["params"]) and all(p.ndim == 1 for p in plain["params"])
    grouped = [id(p) for g in (decayed, plain, muon) for p in g["params"]]
    assert sorted(grouped) == sorted(id(p) for p in model.parameters())  # each parameter exactly once


@pytest.mark.parametrize("shape", [(40, 144), (144, 40)])
def test_orthogonalised_brings_every_singular_value_near_one(shape):
    torch.manual_seed(0)
    g = torch.randn(*shape) * torch.logspace(-2, 0, shape[1])  # singular values spread over two decades
    u = c.orthogonalised(g)
    s = torch.linalg.svdvals(u)
    assert s.min() > 0.6 and s.max() < 1.25 and u.shape == g.shape


def test_muon_step_fixes_the_norm_then_steps_along_the_orthogonalised_momentum():
    torch.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3, bias=False)
    with torch.no_grad():
        conv.weight.mul_(5.0)
    before, grad = conv.weight.detach().clone(), torch.randn_like(conv.weight)
    optimizer = c.MuonSGD([{"params": [conv.weight], "muon": True}], lr=0.1, momentum=0.9, nesterov=True)
    conv.weight.grad = grad.clone()
    optimizer.step()
    # first step: the buffer is the gradient, Nesterov adds 0.9 of it again, which the orthogonalisation scales away
    expected = before * 4.0 / before.norm() - 0.1 * c.orthogonalised(grad.reshape(16, -1)).view_as(grad)
    assert torch.allclose(conv.weight, expected, atol=1e-6)


def test_evaluation_does_not_depend_on_the_batching():
    torch.manual_seed(0)
    model = c.Net().to(memory_format=torch.channels_last)
    model(torch.randn(8, 3, 32, 32) * 3 + 1)  # training mode: BatchNorm's running statistics move off 0 and 1
    images = np.stack([image(seed) for seed in range(10)])
    labels = np.arange(10)
    results = [c.evaluate(model, c.make_test_batches(images, labels, size), torch.device("cpu"))
               for size in (3, 10)]
    assert len(c.make_test_batches(images, labels, 3)) == 4
    (loss_a, acc_a, pred_a), (loss_b, acc_b, pred_b) = results
    assert loss_a == pytest.approx(loss_b, rel=1e-5) and acc_a == acc_b and torch.equal(pred_a, pred_b)
    assert not model.training


# ---------------------------------------------------------------------------------------------------------------
# The command line, end to end, on a tiny fake CIFAR-10 folder


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch):
    """A CIFAR-10 folder in the official layout, 100 train and 50 test images; md5 checks accept it."""
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)

    def write(name, n):
        labels = [int(v) for v in rng.integers(0, 10, n)]
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": labels}, f)

    for i in range(1, 6):
        write(f"data_batch_{i}", 20)
    write("test_batch", 50)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(c.CLASSES)}, f)
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda *a, **k: True)
    return str(tmp_path / "data")


def train_args(data, out, epochs=1):
    return ["--data-dir", data, "--out", str(out), "--epochs", str(epochs), "--batch-size", "16", "--workers", "0",
            "--no-download"]


def test_training_writes_every_output_file(fake_cifar, tmp_path, monkeypatch, capsys):
    out, write_atomic, written = tmp_path / "run", c.write_atomic, []
    monkeypatch.setattr(c, "write_atomic", lambda path, write: written.append(os.path.basename(path)) or
                        write_atomic(path, write))
    assert c.main(train_args(fake_cifar, out)) == 0
    assert written.index("best.pt") < written.index("last.pt")  # last.pt's best_acc is never ahead of best.pt
    assert sorted(os.listdir(out)) == ["augmentations.png", "best.pt", "last.pt", "metrics.csv",
                                       "misclassified.png"]
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0] == "epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds" and len(lines) == 2
    printed = capsys.readouterr().out
    assert "epoch   1/1" in printed and "img/s" in printed
    assert f"device cpu ({c.device_name(torch.device('cpu'))})" in printed  # says which kind of host trained it
    assert "final test accuracy" in printed and "per class: airplane" in printed
    ckpt, _ = c.load_checkpoint(str(out / "last.pt"))
    assert ckpt["hyp"] == c.hyp_for(1, {**c.HYP, "batch_size": 16})  # the run trained, and saved, what it says


def test_eval_of_a_saved_model(fake_cifar, tmp_path, capsys):
    out = tmp_path / "run"
    c.main(train_args(fake_cifar, out))
    final = (out / "metrics.csv").read_text().splitlines()[-1].split(",")[5]
    capsys.readouterr()
    assert c.main(["--eval", str(out / "last.pt"), "--data-dir", fake_cifar, "--workers", "0"]) == 0
    printed = capsys.readouterr().out
    assert f"test accuracy {final}%" in printed  # the same weights give the same number
    assert "per class:" in printed and "true \\ predicted" in printed and len(printed.splitlines()) == 13


def test_interrupt_keeps_last_checkpoint_and_resume_matches_an_uninterrupted_run(fake_cifar, tmp_path,
                                                                                 monkeypatch, capsys):
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    assert c.main(train_args(fake_cifar, straight, epochs=3)) == 0
    train_epoch, calls = c.train_epoch, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return train_epoch(*args)

    monkeypatch.setattr(c, "train_epoch", interrupted)
    assert c.main(train_args(fake_cifar, broken, epochs=3)) == 130
    assert f"--resume {broken / 'last.pt'} --data-dir {fake_cifar} --no-download" in capsys.readouterr().err
    assert torch.load(broken / "last.pt", weights_only=True)["epoch"] == 1
    monkeypatch.setattr(c, "train_epoch", train_epoch)
    assert c.main(["--resume", str(broken / "last.pt"), "--data-dir", fake_cifar, "--workers", "0"]) == 0
    assert "resuming at epoch 2 of 3" in capsys.readouterr().out
    rows = [line.split(",") for line in (straight / "metrics.csv").read_text().splitlines()]
    resumed = [line.split(",") for line in (broken / "metrics.csv").read_text().splitlines()]
    assert len(resumed) == len(rows) == 4
    for a, b in zip(rows[1:], resumed[1:]):  # same epochs, learning rates, losses and accuracies
        assert a[:6] == b[:6]
    assert c.main(["--resume", str(broken / "last.pt"), "--data-dir", fake_cifar]) == 0  # already finished


def test_interrupt_in_the_first_epoch_says_nothing_was_saved(fake_cifar, tmp_path, monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(c, "train_epoch", interrupted)
    assert c.main(train_args(fake_cifar, tmp_path / "run", epochs=3)) == 130
    assert "nothing was saved" in capsys.readouterr().err and not (tmp_path / "run" / "last.pt").exists()


def test_resume_refuses_a_checkpoint_older_than_last(fake_cifar, tmp_path, capsys):
    out = tmp_path / "run"
    c.main(train_args(fake_cifar, out, epochs=3))
    old = torch.load(out / "last.pt", weights_only=True)
    old["epoch"], old["history"] = 1, old["history"][:1]
    torch.save(old, out / "old.pt")
    fails_cleanly(["--resume", str(out / "old.pt"), "--data-dir", fake_cifar], capsys, "holds epoch 3",
                  "overwrite")
    assert len((out / "metrics.csv").read_text().splitlines()) == 4  # nothing lost


def test_resume_refuses_a_checkpoint_of_the_sgd_only_version(fake_cifar, tmp_path, capsys):
    out = tmp_path / "run"
    c.main(train_args(fake_cifar, out, epochs=2))
    old = torch.load(out / "last.pt", weights_only=True)
    old["epoch"], old["history"] = 1, old["history"][:1]
    del old["hyp"]["muon_lr"]
    torch.save(old, tmp_path / "sgd.pt")
    fails_cleanly(["--resume", str(tmp_path / "sgd.pt"), "--data-dir", fake_cifar], capsys, "older version",
                  "Muon", "--eval")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "last.pt"
    path.write_text("old")

    def broken(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        c.write_atomic(str(path), broken)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["last.pt"]


def test_benchmark_writes_its_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(c, "BENCH_SECONDS", 0.2)
    assert c.main(["--benchmark", "--batch-size", "8", "--workers", "0", "--data-dir", str(tmp_path / "none"),
                   "--out", str(tmp_path / "bench")]) == 0
    result = json.loads((tmp_path / "bench" / "benchmark.json").read_text())
    for key in ("data_img_s", "compute_img_s", "train_img_s", "epoch_seconds", "device", "threads", "batch_size",
                "workers", "torch"):
        assert key in result
    # both are rounded to 0.1, so on a busy machine (a few img/s) their product may miss 50,000 by 0.05 x their sum
    seconds, rate = result["epoch_seconds"], result["train_img_s"]
    assert rate > 0 and abs(seconds * rate - 50_000) <= 0.05 * (seconds + rate) + 0.01
    assert "random uint8" in result["data"]
    assert result["device_name"].endswith(torch.backends.cpu.get_cpu_capability())  # which kind of CPU host it was
    printed = capsys.readouterr().out
    assert "implied epoch" in printed and result["device_name"] in printed


def test_benchmark_waits_for_the_device_only_at_the_ends_of_a_timing():
    calls = []
    rate = c.timed_images(lambda: calls.append("step") or 8, 0.05, lambda: calls.append("sync"))
    assert calls.count("sync") == 2 and calls[1] == "sync" and calls[-1] == "sync" and calls.count("step") > 2
    assert rate > 0


# ---------------------------------------------------------------------------------------------------------------
# Bad input: one paragraph on stderr, exit status 2, no traceback


def fails_cleanly(argv, capsys, *needles):
    assert c.main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.startswith("error: ")
    assert len(captured.err.strip().splitlines()) == 1
    for needle in needles:
        assert needle in captured.err
    return captured.err


def test_missing_data_with_no_download(tmp_path, capsys):
    fails_cleanly(train_args(str(tmp_path / "nothing"), tmp_path / "run"), capsys, "cifar-10-batches-py",
                  str(tmp_path / "nothing"))


def test_missing_data_without_network(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", offline)
    args = [a for a in train_args(str(tmp_path / "nothing"), tmp_path / "run") if a != "--no-download"]
    fails_cleanly(args, capsys, "could not be downloaded", "cifar-10-batches-py")


def test_corrupt_data(tmp_path, capsys):
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]:
        (folder / name).write_bytes(b"not a pickle")
    fails_cleanly(train_args(str(tmp_path / "data"), tmp_path / "run"), capsys, "corrupt")


def test_unreadable_data_even_without_md5_check(fake_cifar, tmp_path, capsys):
    with open(os.path.join(fake_cifar, "cifar-10-batches-py", "data_batch_3"), "wb") as f:
        f.write(b"truncated")
    fails_cleanly(train_args(fake_cifar, tmp_path / "run"), capsys, "could not be read")


@pytest.mark.parametrize("key, value, conv, dilation", [("transitions", (4, 4, 4), "c1.2.0", 4),
                                                         ("c1_dilation", 2, "c1.1.0", 2)])
def test_a_checkpoint_from_before_a_layout_setting_loads_with_its_own_layout(tmp_path, key, value, conv, dilation):
    old_hyp = {k: v for k, v in c.HYP.items() if k != key}
    weights = c.Net.from_hyp({**c.HYP, key: value}).state_dict()  # the default's shapes: only the key can tell
    torch.save({"epoch": 1, "hyp": old_hyp, "seed": 0, "history": [], "best_acc": 0.0, "model": weights,
                "train": {}}, tmp_path / "old.pt")
    ckpt, model = c.load_checkpoint(str(tmp_path / "old.pt"))
    assert ckpt["hyp"][key] == value
    assert model.get_submodule(conv).dilation == (dilation, dilation) != c.Net().get_submodule(conv).dilation


@pytest.mark.parametrize("mode", ["--eval", "--resume"])
def test_missing_and_corrupt_checkpoints(tmp_path, capsys, mode):
    fails_cleanly([mode, str(tmp_path / "missing.pt")], capsys, "does not exist")
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    fails_cleanly([mode, str(tmp_path / "bad.pt")], capsys, "damaged")
    torch.save({"something": "else"}, tmp_path / "other.pt")
    fails_cleanly([mode, str(tmp_path / "other.pt")], capsys, "not a checkpoint of this script")


@pytest.mark.parametrize("argv, needle", [(["--epochs", "0"], "--epochs must be at least 1"),
                                          (["--batch-size", "-3"], "--batch-size must be at least 1"),
                                          (["--workers", "-1"], "--workers must be at least 0"),
                                          (["--lr", "0"], "--lr must be a positive number"),
                                          (["--lr", "inf"], "--lr must be a positive number"),
                                          (["--tta"], "--tta (flip test-time augmentation) only applies to --eval")])
def test_invalid_numbers(tmp_path, capsys, argv, needle):
    fails_cleanly(argv + ["--out", str(tmp_path / "run")], capsys, needle)
    assert not (tmp_path / "run").exists()


def test_batch_larger_than_the_data(fake_cifar, tmp_path, capsys):
    argv = train_args(fake_cifar, tmp_path / "run")
    argv[argv.index("--batch-size") + 1] = "101"
    fails_cleanly(argv, capsys, "--batch-size 101 is larger than the 100 training images")


def test_out_is_never_a_file_or_another_run(fake_cifar, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    fails_cleanly(train_args(fake_cifar, tmp_path / "file"), capsys, "is a file")
    c.main(train_args(fake_cifar, tmp_path / "run"))
    before = (tmp_path / "run" / "last.pt").read_bytes()
    fails_cleanly(train_args(fake_cifar, tmp_path / "run"), capsys, "already holds a run", "--resume")
    assert (tmp_path / "run" / "last.pt").read_bytes() == before


def test_help_gives_each_default_once(capsys):
    with pytest.raises(SystemExit):
        c.parse_args(["--help"])
    printed = capsys.readouterr().out
    assert "(default: None)" not in printed and "(default 80)" in printed


def test_resume_refuses_new_settings(fake_cifar, tmp_path, capsys):
    c.main(train_args(fake_cifar, tmp_path / "run", epochs=2))
    fails_cleanly(["--resume", str(tmp_path / "run" / "last.pt"), "--epochs", "5"], capsys, "--epochs")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device(capsys):
    fails_cleanly(["--device", "cuda", "--epochs", "1"], capsys, "no cuda device")
