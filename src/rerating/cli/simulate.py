"""CLI commands of the simulation harness: ``rerating simulate``."""

from __future__ import annotations

import click

from rerating.cli._options import parse_window
from rerating.cli._output import format_option, render_frame
from rerating.errors import SimulationDesignError

# the library's argument names, as the options of this command (errors name the option typed)
CLI_OPTIONS: dict[str, str] = {
    "n_events": "--n",
    "estimation_length": "--estimation",
    "event_window": "--window",
    "scenario": "--scenario",
    "residual_correlation": "--rho",
    "variance_multiplier": "--variance",
    "abnormal_return": "--abnormal",
    "replications": "--reps",
    "tests": "--tests",
    "model": "--model",
    "seed": "--seed",
    "distribution": "--distribution",
    "backend": "--backend",
    "lead_lag": "--lead-lag",
    "workers": "--workers",
}


def _with_option(exc: SimulationDesignError) -> SimulationDesignError:
    """``exc`` with the command-line option of the argument it names: ``replications=0 is
    invalid ...`` adds ``(on the command line: --reps)``."""
    message = str(exc)
    name = message.partition("=")[0]
    option = CLI_OPTIONS.get(name)
    return SimulationDesignError(f"{message} (on the command line: {option})" if option else message)


@click.command("simulate")
@click.option("--n", "n_events", type=int, default=50, show_default=True, help="Events per replication (N).")
@click.option(
    "--estimation",
    "estimation_length",
    type=int,
    default=250,
    show_default=True,
    help="Estimation-window length L1 in sessions (ends 10 sessions before the event window).",
)
@click.option(
    "--window",
    "window",
    multiple=True,
    default=("0:0",),
    show_default=True,
    help="Event window START:END, e.g. -1:1 (one per run: its estimation window ends 10 "
    "sessions before it).",
)
@click.option(
    "--scenario",
    type=click.Choice(
        [
            "independent", "clustered", "variance", "groups", "groups_variance", "groups_market",
            "spread", "markets",
        ]
    ),
    default="independent",
    show_default=True,
    help="independent dates; one common date with correlated residuals; event-induced variance; "
    "two groups on one date, each with its own shock (adds the tests of CAAR_A - CAAR_B); "
    "groups_variance: groups with event-induced variance; groups_market: two groups of one market, "
    "one shock common to both; spread: distinct dates, residuals sharing a calendar-time shock; "
    "markets: two groups of markets trading at different hours (Hong Kong and New York), "
    "correlated on one date and one session apart.",
)
@click.option(
    "--rho",
    "residual_correlation",
    type=float,
    default=0.05,
    show_default=True,
    help="Pairwise residual correlation r (clustered; within each group in groups; within and "
    "across the groups in groups_market; on the same date in spread; within each market in "
    "markets, r/2 across them on one date and r/2 one session apart).",
)
@click.option(
    "--variance",
    "variance_multiplier",
    type=float,
    default=2.0,
    show_default=True,
    help="Event-window variance multiplier (variance and groups_variance scenarios).",
)
@click.option(
    "--abnormal",
    "abnormal_return",
    type=float,
    default=0.0,
    show_default=True,
    help="Injected abnormal return per event, e.g. 0.005 (power); 0 measures size.",
)
@click.option("--reps", "replications", type=int, default=1000, show_default=True, help="Replications.")
@click.option(
    "--tests",
    default="all",
    show_default=True,
    help="'all', 'parametric', 'nonparametric' or comma-separated names (e.g. patell,adj_bmp,grank).",
)
@click.option("--model", default="market", show_default=True, help="Normal-return model.")
@click.option(
    "--distribution",
    type=click.Choice(["normal", "student_t"]),
    default="normal",
    show_default=True,
    help="Distribution of the residual shocks.",
)
@click.option(
    "--backend",
    type=click.Choice(["kernel", "study"]),
    default="kernel",
    show_default=True,
    help="kernel: batched kernel + test registry on arrays (fast); study: the public EventStudy path.",
)
@click.option(
    "--lead-lag",
    "lead_lag",
    type=click.Choice(["markets", "all", "none"]),
    default="markets",
    show_default=True,
    help="Which pairs add their residuals' correlation one session apart to r̄ (as rerating "
    "study --lead-lag); none: same-date only.",
)
@click.option("--seed", type=int, default=None, help="Random seed (default: fresh; printed in the notes).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that run the replications, in chunks of 250 (default: one per core). The "
    "rates do not depend on it.",
)
@format_option
def simulate_command(
    n_events: int,
    estimation_length: int,
    window: tuple[str, ...],
    scenario: str,
    residual_correlation: float,
    variance_multiplier: float,
    abnormal_return: float,
    replications: int,
    tests: str,
    model: str,
    distribution: str,
    backend: str,
    lead_lag: str,
    seed: int | None,
    workers: int | None,
    fmt: str,
    output: str | None,
) -> None:
    """Size and power of every event-study test by Brown-Warner simulation.

    Draws REPS event studies of N securities from a market-model data-generating process, runs
    the engine on them and prints each test's rejection rate at 5% and 1% with its binomial
    standard error. With --abnormal 0 the rate is the test's size (should be near 5%); otherwise
    it is its power. 'claimed_valid' marks the tests whose size is claimed nominal in the scenario.

    \b
    Examples:
      rerating simulate --n 50 --scenario clustered --rho 0.05 --reps 1000 --window 0:0 --seed 1
      rerating simulate --n 30 --scenario variance --variance 2 --window -1:1 --reps 500
      rerating simulate --n 50 --scenario groups --rho 0.1 --window 0:2 --reps 1000 --seed 1
      rerating simulate --n 50 --scenario markets --rho 0.1 --window 0:4 --lead-lag none --seed 1
      rerating simulate --abnormal 0.005 --reps 500 --format csv
    """
    from rerating.study.simulate import simulate

    if len(window) > 1:  # click would silently keep the last one
        raise click.UsageError(
            f"simulate takes one --window per run, got {len(window)} ({', '.join(window)}); "
            "run it once per window"
        )
    try:
        result = simulate(
            n_events=n_events,
            estimation_length=estimation_length,
            event_window=parse_window(window[0], "--window"),
            scenario=scenario,  # type: ignore[arg-type]
            residual_correlation=residual_correlation,
            variance_multiplier=variance_multiplier,
            abnormal_return=abnormal_return,
            replications=replications,
            tests=tests.strip(),
            model=model,
            seed=seed,
            distribution=distribution,  # type: ignore[arg-type]
            backend=backend,  # type: ignore[arg-type]
            lead_lag=lead_lag,  # type: ignore[arg-type]
            workers=workers,
        )
    except SimulationDesignError as exc:
        raise _with_option(exc) from exc
    summary = result.summary()
    for note in summary.notes:
        click.echo(note, err=True)
    ctx = click.get_current_context()
    given = click.core.ParameterSource.COMMANDLINE
    if scenario in ("independent", "variance") and ctx.get_parameter_source("residual_correlation") == given:
        click.echo(
            f"note: --rho has no effect in the {scenario} scenario (distinct dates, independent "
            "residuals); clustered, spread, groups and markets use it",
            err=True,
        )
    if scenario not in ("variance", "groups_variance") and (
        ctx.get_parameter_source("variance_multiplier") == given
    ):
        click.echo(
            f"note: --variance has no effect in the {scenario} scenario; variance and "
            "groups_variance use it",
            err=True,
        )
    if abs(abnormal_return) > 0.5:
        click.echo(
            f"note: --abnormal {abnormal_return:g} is {100 * abnormal_return:g}% a day: returns are "
            "decimals (0.005 = 0.5%)",
            err=True,
        )
    render_frame(summary.table, fmt=fmt, output=output, title=summary.title)


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    group.add_command(simulate_command)
