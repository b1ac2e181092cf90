"""The notifications app's modules import one another in one direction: no circle.

Planning (outbox) ← sending (services) ← inbound handling (inbound) ← entry points (tasks,
webhook, views). Imports inside functions count: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import notifications
from notifications.queueing import SEND_TASK
from notifications.tasks import send_message

APP = Path(notifications.__file__).parent


def _imports() -> dict[str, set[str]]:
    """notifications module → the notifications modules it imports, anywhere in its body."""
    graph = {}
    for path in APP.glob("*.py"):
        name = path.stem
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] != "notifications":
                    continue
                if len(parts) > 1:
                    found.add(parts[1])
                else:  # from notifications import inbound, services
                    found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "notifications" and len(parts) > 1:
                        found.add(parts[1])
        graph[name] = found - {name}
    return graph


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_no_module_of_notifications_imports_itself_back():
    graph = _imports()
    circles = sorted(name for name in graph if name in _reaches(graph, name))
    assert circles == []


def test_planning_sending_and_inbound_point_one_way():
    graph = _imports()
    assert _reaches(graph, "queueing") <= {"models"}
    assert not {"services", "inbound", "tasks", "actions"} & _reaches(graph, "outbox")
    assert not {"inbound", "tasks", "actions"} & _reaches(graph, "services")
    assert "tasks" not in _reaches(graph, "inbound")
    # The graph is real: the entry point reaches all three layers.
    assert {"inbound", "services", "outbox", "queueing"} <= _reaches(graph, "tasks")


def test_messages_are_queued_under_the_sending_tasks_name():
    assert send_message.name == SEND_TASK
