"""Training-step time of the default Net with its optimizer (Muon for the dense and pointwise convolutions, SGD for
the rest) against SGD for every weight, on a fixed random batch of 128 (channels_last, 2 threads), interleaved.

    python results/speed/muon_step.py > results/speed/muon-step-cpu.txt
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402


def sgd_everywhere(model, hyp):
    return torch.optim.SGD(model.parameters(), lr=hyp["lr"], momentum=hyp["momentum"], nesterov=True)


def ms_per_step(make_optimizer, steps=20):
    torch.manual_seed(0)
    model = c.Net().to(memory_format=torch.channels_last)
    optimizer = make_optimizer(model, c.HYP)
    x = torch.randn(128, 3, 32, 32).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (128,))

    def step():
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1000


if __name__ == "__main__":
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch 128, ms per training step")
    for round_ in range(3):
        muon, sgd = ms_per_step(c.make_optimizer), ms_per_step(sgd_everywhere)
        print(f"round {round_ + 1}: Muon + SGD {muon:.1f} ms, SGD only {sgd:.1f} ms, ratio {muon / sgd:.3f}")
