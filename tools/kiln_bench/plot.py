"""``--plot``: a PNG bar chart of each backend's speedup over eager, per model."""

import math

# Eager is the line at 1 that the bars start from.
BARS = (("inductor", "inductor"), ("inductor_freezing", "inductor-freezing"), ("kiln", "kiln"))


def write_plot(results, path):
    """Bars of eager time / backend time per model and their geomean, from 1 on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot, ticker

    ran = [r for r in results if r.get("eager_ms") is not None]
    labels = [r["model"] for r in ran] + ["geomean (models that pass)"]
    series = {backend: [_over_eager(r, backend) for r in ran] for backend, _ in BARS}
    for values in series.values():  # the geomean, over the models that pass
        present = [v for v, r in zip(values, ran) if v is not None and r["check"] == "PASS"]
        values.append(math.exp(sum(map(math.log, present)) / len(present)) if present else None)

    figure, axes = pyplot.subplots(figsize=(max(8.0, 0.9 * len(labels) + 2), 5.5))
    width = 0.8 / len(BARS)
    for index, (backend, legend) in enumerate(BARS):
        offset = (index - (len(BARS) - 1) / 2) * width
        values = [math.nan if v is None else v for v in series[backend]]
        axes.bar([i + offset for i in range(len(labels))], [v - 1 for v in values], width,
                 bottom=1, label=legend)
    for i, r in enumerate(ran):
        if r.get("kiln_ms") is None:
            axes.text(i + width, 1, f" kiln: {r['check'].lower()}", rotation=90,
                      ha="center", va="bottom", fontsize=8)
    every = [v for values in series.values() for v in values if v is not None]
    low, high = math.floor(math.log2(min(every))), math.ceil(math.log2(max(every)))
    axes.set_yscale("log")
    axes.set_ylim(2.0 ** low / 1.1, 2.0 ** high * 1.1)
    axes.yaxis.set_major_locator(ticker.FixedLocator([2.0 ** k for k in range(low, high + 1)]))
    axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    axes.yaxis.set_minor_formatter(ticker.NullFormatter())
    axes.axhline(1.0, color="black", linewidth=0.8, label="eager (= 1)")
    axes.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    axes.set_ylabel("speedup over eager (eager time / backend time)")
    axes.set_title("kiln-bench: speedup over eager PyTorch (above 1 is faster than eager)")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def _over_eager(result, backend):
    ms = result.get(f"{backend}_ms")
    return None if ms is None else result["eager_ms"] / ms
