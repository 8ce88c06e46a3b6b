"""The control panel in a real IPython kernel, where the event loop runs and redraws are
throttled (the headless tests have no loop, so there every change redraws at once)."""

import pytest
from jupyter_client.manager import start_new_kernel

SETUP = """
import helpers, time
panel = helpers.show("gradient_flow")
for depth in range(2, 30):          # a burst of slider events, as a drag produces
    panel.controls["depth"].value = depth
"""
CHECK = """
print(panel.redraw_count, panel.values["depth"], panel.error.value == "")
"""
SINGLE = """
time.sleep(0.2)                      # the panel has been still for a while
before = panel.redraw_count
panel.controls["depth"].value = 7    # one click: drawn at once, no waiting
print(panel.redraw_count - before, panel.values["depth"])
"""


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run(client, code):
    outputs = []
    reply = client.execute_interactive(
        code, timeout=60, output_hook=lambda msg: outputs.append(msg)
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")


def test_a_burst_of_changes_gives_one_redraw_with_the_last_value(kernel):
    run(kernel, SETUP)
    run(kernel, "time.sleep(0.3)")  # the trailing redraw fires between cells, on the kernel's loop
    assert run(kernel, CHECK).split() == ["2", "29", "True"]


def test_a_single_change_after_a_pause_is_drawn_at_once(kernel):
    run(kernel, SETUP)
    run(kernel, "time.sleep(0.3)")
    assert run(kernel, SINGLE).split() == ["1", "7"]
