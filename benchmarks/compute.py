"""How much of the CPU's compute an encoder uses: its FLOPs per text and the CPU's peak FLOP/s.

Peak FLOP/s is given two ways, both printed with how they were obtained:
- theoretical: cores x clock x FP32 FLOPs per cycle per core, the last from the SIMD flags in
  /proc/cpuinfo assuming two FMA pipes per core (true of every x86 core with AVX2 since Haswell and
  Zen 2; on Zen 1 the true figure is half);
- achieved: the best FP32 matrix multiply torch reaches on this machine with the same threads,
  a practical ceiling for any model run through torch.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EncoderShape:
    layers: int
    hidden: int
    intermediate: int

    @classmethod
    def from_config(cls, folder: str | Path) -> EncoderShape:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
        return cls(int(config.num_hidden_layers), int(config.hidden_size), int(config.intermediate_size))

    def flops(self, tokens: int) -> float:
        """Forward FLOPs (2 per multiply-add) of one sequence of `tokens` tokens, padding excluded.

        Per layer: Q, K, V and output projections (4 d^2 per token), the feed-forward pair
        (2 d d_ff per token), and attention scores plus the weighted sum (2 n d per token).
        Embedding look-ups, layer norms, softmax and pooling are left out (under 2% here).
        """
        d, d_ff, n = self.hidden, self.intermediate, tokens
        per_layer_macs = n * (4 * d * d + 2 * d * d_ff) + 2 * n * n * d
        return 2.0 * self.layers * per_layer_macs


@dataclass(frozen=True)
class CpuPeak:
    cores: int
    ghz: float
    flops_per_cycle: int
    simd: str

    @property
    def flops(self) -> float:
        return self.cores * self.ghz * 1e9 * self.flops_per_cycle

    def describe(self) -> str:
        return (
            f"{self.cores} cores x {self.ghz:.2f} GHz x {self.flops_per_cycle} FP32 FLOPs/cycle "
            f"({self.simd}) = {self.flops / 1e9:.0f} GFLOP/s"
        )


def theoretical_peak(cores: int | None = None) -> CpuPeak:
    """From /proc/cpuinfo: the clock it reports (nominal in a VM; turbo is not counted) and the SIMD flags."""
    text = Path("/proc/cpuinfo").read_text()
    flags = set(re.search(r"^flags\s*:\s*(.*)$", text, re.M).group(1).split())  # type: ignore[union-attr]
    mhz = [float(value) for value in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", text, re.M)]
    ghz = max(mhz) / 1000 if mhz else 0.0
    if "avx512f" in flags:
        per_cycle, simd = 2 * 16 * 2, "AVX-512: 2 FMA pipes x 16 lanes x 2"
    elif "avx2" in flags and "fma" in flags:
        per_cycle, simd = 2 * 8 * 2, "AVX2+FMA: 2 FMA pipes x 8 lanes x 2"
    elif "avx" in flags:
        per_cycle, simd = 8 + 8, "AVX: 8-lane add + 8-lane multiply"
    else:
        per_cycle, simd = 4 + 4, "SSE: 4-lane add + 4-lane multiply"
    return CpuPeak(cores or os.cpu_count() or 1, ghz, per_cycle, simd)


def matmul_peak(threads: int, size: int = 1024, seconds: float = 3.0) -> float:
    """Best FP32 GFLOP/s of torch's square matrix multiply with `threads` threads (best of repeated runs)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(size, size), torch.randn(size, size)
        torch.mm(a, b)  # warm-up: kernels and thread pool
        best = 0.0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            for _ in range(4):
                torch.mm(a, b)
            elapsed = time.perf_counter() - start
            best = max(best, 4 * 2 * size**3 / elapsed)
        return best
    finally:
        torch.set_num_threads(previous)
