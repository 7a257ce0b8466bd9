"""Importing and using the renderers leaves matplotlib's backend and pyplot's registry alone."""

from __future__ import annotations

import subprocess
import sys


def test_reports_do_not_switch_backend_or_use_pyplot() -> None:
    code = (
        "import matplotlib; matplotlib.use('svg')\n"
        "import matplotlib.pyplot as plt\n"
        "from frontlines.reports import charts, maps, html, animate\n"
        "from frontlines.reports.style import new_figure, figure_png, close\n"
        "fig = new_figure(); fig.add_subplot().plot([0, 1], [0, 1]); png = figure_png(fig); close(fig)\n"
        "assert png[:8] == b'\\x89PNG\\r\\n\\x1a\\n', png[:8]\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
        "assert plt.get_fignums() == [], plt.get_fignums()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
