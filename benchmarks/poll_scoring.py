"""Poll scoring in pure Python: how long a server's whole leaderboard takes to work out from all
its resolved predictions, which is what ``/poll leaderboard`` and ``/poll stats`` do each time.

Random polls of 2 to 10 answers, a third of them multiple choice, half asking confidence; every
member votes on every poll. Prints the median of ``--runs`` runs of ``leaderboard()``, and the
time to draw the inputs and build their ``Prediction`` records (with their checks) apart.

    python -m benchmarks.poll_scoring [--polls 200] [--members 250] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bot.domain.poll_scoring import Prediction, leaderboard


def predictions(polls: int, members: int, seed: int = 1) -> list[Prediction]:
    rng = random.Random(seed)
    made = []
    for poll in range(polls):
        n = rng.randint(2, 10)
        multiple = rng.random() < 1 / 3
        asks_confidence = rng.random() < 1 / 2

        def pick() -> frozenset[int]:
            return frozenset(rng.sample(range(n), rng.randint(1, n) if multiple else 1))  # noqa: B023

        outcome = pick()
        for user in range(members):
            confidence = rng.randint(50, 100) if asks_confidence else None
            made.append(Prediction(user, poll, n, pick(), confidence, multiple, outcome))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--members", type=int, default=250)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    votes = predictions(args.polls, args.members)
    built = time.perf_counter() - started
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        board = leaderboard(votes)
        times.append(time.perf_counter() - started)
    print(
        f"{len(votes):,} predictions, {len(board.ranked)} members ranked: leaderboard in "
        f"{statistics.median(times) * 1000:.0f} ms (median of {args.runs}); "
        f"inputs drawn and built in {built * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
