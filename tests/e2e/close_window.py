"""Asks the window titled TITLE on $DISPLAY to close, as a window manager's close button does:
a WM_DELETE_WINDOW client message (no window manager needed). Exits 1 if no such window.
Then prints what became of the window within 10 s: "gone" (destroyed), "hidden" (unmapped)
or "shown" (the close was not acted on).

usage: close_window.py TITLE
"""
import sys
import time

from Xlib import X, display, error
from Xlib.protocol import event


def find(win, title):
    name = win.get_wm_name()
    if name == title and win.get_wm_protocols():
        return win
    for child in win.query_tree().children:
        found = find(child, title)
        if found:
            return found
    return None


def main():
    title = sys.argv[1]
    d = display.Display()
    deadline = time.time() + 30
    win = None
    while win is None and time.time() < deadline:
        win = find(d.screen().root, title)
        if win is None:
            time.sleep(0.2)
    if win is None:
        print(f"no window titled {title!r}", file=sys.stderr)
        return 1
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    msg = event.ClientMessage(
        window=win, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
    )
    win.send_event(msg, event_mask=X.NoEventMask)
    d.flush()
    state = "shown"
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if win.get_attributes().map_state == X.IsUnmapped:
                state = "hidden"
                break
        except error.BadWindow:
            state = "gone"
            break
        time.sleep(0.1)
    print(state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
