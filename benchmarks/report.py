"""The benchmark's result rows, as a terminal table and as Markdown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    shots: int  # 0: the demo
    step: str
    seconds: float
    limit: str = ""  # what the step is compared with
    limit_seconds: float | None = None
    target: float | None = None  # the ratio it must stay under (or the seconds, without a limit)
    cpu: float | None = None  # the child's user + sys seconds
    memory_mb: float | None = None
    statements: int | None = None

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.limit_seconds if self.limit_seconds else None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        measured = self.ratio if self.limit_seconds else self.seconds
        verdict = "holds" if measured is not None and measured <= self.target else "does not hold"
        memory = "" if self.memory_mb is None or self.memory_mb <= 512 else "; memory > 512 MB"
        return verdict + memory

    def cells(self) -> list[str]:
        ratio = self.ratio
        target = ""
        if self.target is not None:
            target = f"<= {self.target:g}x" if self.limit_seconds else f"< {self.target:g} s"
        return [
            "demo" if self.shots == 0 else f"{self.shots:,}",
            self.step,
            f"{self.seconds:.2f}",
            f"{self.cpu:.2f}" if self.cpu is not None else "",
            f"{self.limit} {self.limit_seconds:.2f} s" if self.limit_seconds else self.limit,
            f"{ratio:.2f}x" if ratio is not None else "",
            target,
            self.verdict,
            f"{self.memory_mb:.0f}" if self.memory_mb is not None else "",
            str(self.statements) if self.statements is not None else "",
        ]


HEADER = ["shots", "step", "seconds", "CPU s", "limit", "ratio", "target", "verdict", "peak MB", "statements"]


def table(rows: list[Row]) -> str:
    cells = [HEADER] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def markdown(rows: list[Row], machine: str) -> str:
    lines = [machine, "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines) + "\n"
