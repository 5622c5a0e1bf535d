"""Turn the workers' raw timings into numbers, tables, JSON and charts.

Every timed run's wall time is kept; a result reports their median (the
number to quote: robust to the odd slow run), minimum (the best the machine
did) and maximum. Ratios compare medians of the same workload within the
same run of the benchmarks, never across runs.
"""

import json
import os
import platform
import statistics
from datetime import datetime, timezone

from benchmarks.networks import WORKLOADS

COLOURS = {"floor": "#7f7f7f", "torch-cpu": "#ff7f0e", "torch-cuda": "#d62728",
           "minigrad-cpu": "#1f77b4", "minigrad-cuda": "#9467bd"}
GPU_OVER_CPU = {"torch-cuda": "torch-cpu", "minigrad-cuda": "minigrad-cpu"}


def timing_summary(times):
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "repeats": len(times)}


def summarise_workloads(raw_results):
    """One row per (workload, implementation) with throughput and ratios to torch-cpu and the floor."""
    rows = []
    for raw in raw_results:
        workload = WORKLOADS[raw["workload"]]
        row = {key: raw[key] for key in ("workload", "implementation", "device", "data", "warmup", "loss_after",
                                         "rss_setup_mb", "peak_rss_mb", "peak_device_mb")}
        row.update(timing_summary(raw["times_s"]))
        row["images_per_s"] = workload.images_per_run / row["median_s"]
        row["gflops"] = workload.flops_per_run / row["median_s"] / 1e9
        rows.append(row)
    medians = {(row["workload"], row["implementation"]): row["median_s"] for row in rows}
    for row in rows:
        for reference in ("torch-cpu", "floor"):
            reference_time = medians.get((row["workload"], reference))
            row[f"vs_{reference.replace('-', '_')}"] = row["median_s"] / reference_time if reference_time else None
    return rows


def summarise_scaling(raw_curves):
    """{network: {implementation: [{batch, median_s, min_s, max_s, repeats}, ...]}}."""
    scaling = {}
    for raw in raw_curves:
        points = [{"batch": point["batch"], **timing_summary(point["times_s"])} for point in raw["points"]]
        scaling.setdefault(raw["network"], {})[raw["implementation"]] = points
    return scaling


def gpu_crossover(scaling):
    """For each network and GPU implementation, the batch size from which it beats its CPU twin.

    That is the smallest measured batch at which the GPU step is faster and
    stays faster at every larger batch measured; None if it never is.
    """
    crossover = {}
    for network, curves in scaling.items():
        for gpu, cpu in GPU_OVER_CPU.items():
            if gpu not in curves or cpu not in curves:
                continue
            cpu_time = {point["batch"]: point["median_s"] for point in curves[cpu]}
            overtakes = None
            for point in sorted(curves[gpu], key=lambda p: p["batch"], reverse=True):
                if point["batch"] in cpu_time and point["median_s"] < cpu_time[point["batch"]]:
                    overtakes = point["batch"]
                else:
                    break
            crossover.setdefault(network, {})[gpu] = overtakes
    return crossover


def describe_machine(threads, versions, devices):
    """What the numbers were measured on: they mean nothing without it."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "gpus": sorted({device for device in devices if device != "CPU"}),
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": versions,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _number(value, digits=1):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def results_table(rows):
    """The workload results as a Markdown table (also readable as plain text)."""
    header = ("| workload | implementation | runs | median ms | min ms | max ms | images/s | GFLOP/s "
              "| peak RSS MB | peak GPU MB | vs torch-cpu | vs floor | loss after |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for row in rows:
        lines.append(
            f"| {row['workload']} | {row['implementation']} | {row['repeats']} "
            f"| {_number(row['median_s'] * 1e3, 2)} "
            f"| {_number(row['min_s'] * 1e3, 2)} | {_number(row['max_s'] * 1e3, 2)} "
            f"| {_number(row['images_per_s'], 0)} | {_number(row['gflops'], 2)} "
            f"| {_number(row['peak_rss_mb'], 0)} | {_number(row['peak_device_mb'], 0)} "
            f"| {_ratio(row['vs_torch_cpu'])} | {_ratio(row['vs_floor'])} | {row['loss_after']:.5f} |")
    return "\n".join(lines)


def scaling_tables(scaling):
    """Median step time (ms) against batch size, one Markdown table per network."""
    sections = []
    for network, curves in scaling.items():
        batches = sorted({point["batch"] for points in curves.values() for point in points})
        lines = [f"### {network}", "",
                 "| implementation | " + " | ".join(f"batch {b}" for b in batches) + " |",
                 "|---|" + "---|" * len(batches)]
        for implementation, points in curves.items():
            by_batch = {point["batch"]: point["median_s"] for point in points}
            cells = [_number(by_batch[b] * 1e3, 3) if b in by_batch else "-" for b in batches]
            lines.append(f"| {implementation} | " + " | ".join(cells) + " |")
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def write_json(path, report):
    path.write_text(json.dumps(report, indent=2) + "\n")


def write_markdown(path, report, chart_names):
    machine, settings = report["machine"], report["settings"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    data_sources = sorted({row["data"] for row in report["results"] if row["workload"] == "mlp-epoch"})
    lines = [
        "# minigrad benchmarks",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; {machine['threads']} thread(s) per implementation",
        f"- GPU: {', '.join(machine['gpus']) or 'none'}",
        f"- {versions}; Python {machine['python']}; {machine['os']}",
        f"- date: {machine['date']}",
        f"- mode: {'quick (proves the code runs; not a measurement)' if settings['quick'] else 'full'}; "
        f"{settings['warmup']} warm-up runs, then {settings['repeats']} to {settings['max_repeats']} "
        f"timed runs each, as many as {settings['timed_budget_s']:g} s of turns allow "
        f"(the `runs` column), each after one untimed run; {settings['epoch_repeats']} epochs, "
        f"back to back; float32; SGD lr {settings['lr']}",
        f"- epoch data: {', '.join(data_sources) or '-'}; other workloads: random batches",
        f"- skipped: {', '.join(f'{k} ({v})' for k, v in report['skipped'].items()) or 'nothing'}",
        "",
        "Times are per training step (zero_grad, forward, cross-entropy, backward, SGD step), per forward "
        "pass for `-infer`, per epoch for `-epoch`. GFLOP/s counts matmul and convolution FLOPs only, "
        "backward as twice the forward. `vs` columns divide by the reference's median: above 1 is slower. "
        "`loss after` is the loss on the timed batch after the last run: every implementation starts from "
        "the same weights and takes the same steps, so it should agree to about 4 digits.",
        "",
        "## Step time",
        "",
        results_table(report["results"]),
        "",
        "## Scaling: median training-step time (ms) against batch size",
        "",
        scaling_tables(report["scaling"]) or "(not measured)",
        "",
    ]
    if report["crossover"]:
        lines += ["## Where the GPU overtakes the CPU", ""]
        for network, by_gpu in report["crossover"].items():
            for gpu, batch in by_gpu.items():
                verdict = f"from batch {batch}" if batch is not None else "not at any batch measured"
                lines.append(f"- {network}: {gpu} beats {GPU_OVER_CPU[gpu]} {verdict}")
        lines.append("")
    if report["errors"]:
        lines += ["## Failures", ""] + [f"- {error['task']}: {error['message']}" for error in report["errors"]] + [""]
    lines += [f"![{name}]({name})" for name in chart_names]
    path.write_text("\n".join(lines) + "\n")


def plot_charts(out_dir, report):
    """Bar charts of step time per workload and log-log scaling curves; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    names = []
    workloads = list(dict.fromkeys(row["workload"] for row in report["results"]))
    if workloads:
        columns = min(3, len(workloads))
        rows_needed = -(-len(workloads) // columns)
        figure, axes = plt.subplots(rows_needed, columns, figsize=(5 * columns, 3.2 * rows_needed), squeeze=False)
        for axis, workload in zip(axes.flat, workloads):
            rows = [row for row in report["results"] if row["workload"] == workload]
            medians = [row["median_s"] * 1e3 for row in rows]
            whiskers = [[m - row["min_s"] * 1e3 for m, row in zip(medians, rows)],
                        [row["max_s"] * 1e3 - m for m, row in zip(medians, rows)]]
            labels = [row["implementation"] for row in rows]
            axis.barh(labels, medians, xerr=whiskers, color=[COLOURS[label] for label in labels], capsize=3)
            axis.invert_yaxis()
            unit = "epoch" if WORKLOADS[workload].mode == "epoch" else "step"
            axis.set_title(f"{workload} (batch {WORKLOADS[workload].batch})")
            axis.set_xlabel(f"ms per {unit} (median, min-max)")
        for axis in list(axes.flat)[len(workloads):]:
            axis.set_visible(False)
        figure.tight_layout()
        figure.savefig(out_dir / "step_times.png", dpi=110)
        plt.close(figure)
        names.append("step_times.png")

    if report["scaling"]:
        networks = list(report["scaling"])
        figure, axes = plt.subplots(1, len(networks), figsize=(5.5 * len(networks), 4), squeeze=False)
        for axis, network in zip(axes.flat, networks):
            for implementation, points in report["scaling"][network].items():
                axis.plot([p["batch"] for p in points], [p["median_s"] * 1e3 for p in points], marker="o",
                          label=implementation, color=COLOURS[implementation])
            for gpu, batch in report["crossover"].get(network, {}).items():
                if batch is not None:
                    axis.axvline(batch, color=COLOURS[gpu], linestyle="--", alpha=0.7,
                                 label=f"{gpu} beats {GPU_OVER_CPU[gpu]} from here")
            axis.set_xscale("log")
            axis.set_yscale("log")
            batches = sorted({p["batch"] for points in report["scaling"][network].values() for p in points})
            axis.set_xticks(batches, [str(b) for b in batches])
            axis.xaxis.set_minor_locator(ticker.NullLocator())
            axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
            axis.yaxis.set_minor_formatter(ticker.NullFormatter())
            axis.set_title(f"{network}: training step")
            axis.set_xlabel("batch size")
            axis.set_ylabel("median ms per step")
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize="small")
        figure.tight_layout()
        figure.savefig(out_dir / "scaling.png", dpi=110)
        plt.close(figure)
        names.append("scaling.png")
    return names
