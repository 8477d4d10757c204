"""What a benchmark ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import psutil


def describe() -> dict[str, str | int | float]:
    """CPU model, core count, memory, Python version and the load when the run began
    (other work on the machine slows both sides of a ratio, but not equally)."""
    cpu = "unknown"  # psutil does not name the model: /proc/cpuinfo does
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = round(psutil.virtual_memory().total / 1024**3)
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load_1m_at_start": round(os.getloadavg()[0], 2),
    }
