"""Seconds to evaluate 10,000 images with cifar_c1c4.py's `evaluate`, by the size of the evaluation batches.

    python results/speed/eval_batch.py > results/speed/eval-batch-cpu.txt

The default Net (random weights: the time does not depend on them) on 10,000 random uint8 images, batched by
`make_test_batches`. Batch sizes are measured in an interleaved order, three rounds; each line gives the three
times and their minimum. The predictions must not depend on the batch size (eval-mode BatchNorm), and are checked.
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402

SIZES = (1000, 500, 250, 128, 64)


def main():
    torch.manual_seed(0)
    images = np.random.default_rng(0).integers(0, 256, (10_000, 32, 32, 3), dtype=np.uint8)
    labels = np.random.default_rng(1).integers(0, 10, 10_000)
    model = c.Net().to(memory_format=torch.channels_last)
    device = torch.device("cpu")
    batches = {size: c.make_test_batches(images, labels, size) for size in SIZES}
    times, predictions = {size: [] for size in SIZES}, {}
    c.evaluate(model, batches[SIZES[0]], device)  # warm-up
    for _ in range(3):
        for size in SIZES:
            start = time.perf_counter()
            _, _, predictions[size] = c.evaluate(model, batches[size], device)
            times[size].append(time.perf_counter() - start)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs")
    for size in SIZES:
        same = torch.equal(predictions[size], predictions[SIZES[0]])
        print(f"batch {size:5d}: {', '.join(f'{t:5.2f}' for t in times[size])} s; min {min(times[size]):5.2f} s "
              f"({10_000 / min(times[size]):5.0f} img/s); predictions equal to batch {SIZES[0]}'s: {same}")


if __name__ == "__main__":
    main()
