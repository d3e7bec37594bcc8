"""Is a reflection saved as it is typed (not only when the box loses focus), in JupyterLab and under Voila?"""

import asyncio
import importlib
import json
import time

import pathways.activities.responses as responses
from pathways import views
from pathways.activities.responses import FILENAME
from support.processes import in_own_thread, run_async

reflection_view = importlib.import_module("pathways.views.reflection")  # the module, not the function


def on_disk(folder) -> dict:
    path = folder / FILENAME
    return json.loads(path.read_text())["activities"] if path.exists() else {}


def test_every_keystroke_reaches_the_kernel(in_tmp):
    """Does the box send its text while the learner types (continuous_update), so nothing waits for a blur?"""
    assert views.Reflection("reflection-x").text.continuous_update is True


def test_typed_text_is_saved_beside_the_notebook_with_its_word_count(in_tmp):
    """In JupyterLab, is each change written to responses.json at once when nothing was saved in the last
    second, with the word count shown?"""

    def typing() -> None:  # as in a plain script: no event loop in this thread (see support.in_own_thread)
        r = views.Reflection("reflection-x", save_every=0)
        r.text.value = "I met Dani"
        assert on_disk(in_tmp)["reflection-x"] == {"kind": "reflection", "text": "I met Dani"}
        r.text.value = "I met Dani in the ER."
        assert on_disk(in_tmp)["reflection-x"]["text"] == "I met Dani in the ER."
        assert "6 words" in r.status.value

    in_own_thread(typing)
    responses._STORE = None  # a new kernel: the text is shown again
    assert views.Reflection("reflection-x").text.value == "I met Dani in the ER."


def test_under_voila_typed_text_stays_in_memory(in_tmp, monkeypatch):
    """Under Voila (memory only), is the typed text kept by the kernel and nothing written on the server?"""
    monkeypatch.setenv("PATHWAYS_STORAGE", "memory")

    def typing() -> None:
        r = views.Reflection("reflection-x", save_every=0)
        r.text.value = "Then Marcus came back."
        assert responses.store().get("reflection-x")["text"] == "Then Marcus came back."
        assert "4 words" in r.status.value

    in_own_thread(typing)
    assert not (in_tmp / FILENAME).exists()


def test_fast_typing_is_saved_at_most_once_a_second_and_never_loses_the_last_words(in_tmp, monkeypatch):
    """While the learner types fast (in a kernel, with an event loop), is the file written at most once per
    interval, and are the last words written once the interval is up, without any blur?"""
    writes = []
    real_put = responses.ResponseStore.put

    def counting_put(self, activity, record, persist=None):
        writes.append(record["text"])
        real_put(self, activity, record, persist)

    async def typing():
        r = views.Reflection("reflection-x", save_every=0.5)
        text = ""
        for word in "I met Dani in the ER . Then Marcus came back .".split():
            text += word + " "
            r.text.value = text
        assert writes == ["I "]  # the first change is saved at once, the rest wait for the interval
        deadline = time.monotonic() + 10
        while on_disk(in_tmp).get("reflection-x", {}).get("text") != text and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return r, text

    monkeypatch.setattr(responses.ResponseStore, "put", counting_put)
    monkeypatch.setattr(reflection_view, "ANNOUNCE_AFTER", 0.2)
    r, text = run_async(typing())
    assert on_disk(in_tmp)["reflection-x"]["text"] == text
    assert writes == ["I ", text]  # two writes for twelve changes
    assert "12 words" in r.status.value  # said once typing paused, not after every save


def test_the_status_is_not_announced_while_typing(in_tmp, monkeypatch):
    """While the learner keeps typing, does the announced status stay unchanged (a screen reader would read it
    out after every save), and is it updated once typing pauses?"""
    monkeypatch.setattr(reflection_view, "ANNOUNCE_AFTER", 0.3)

    async def typing():
        r = views.Reflection("reflection-x", save_every=0.05)
        for n in range(1, 11):
            r.text.value = "word " * n
            await asyncio.sleep(0.06)  # slower than a save, faster than a pause
        during = r.status.value
        deadline = time.monotonic() + 10
        while "10 words" not in r.status.value and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return during, r.status.value

    during, after = run_async(typing())
    assert during == "" and "10 words" in after


def test_save_button_saves_at_once_and_cancels_the_pending_save(in_tmp):
    """Does the Save button write the latest text at once, even inside the interval?"""

    async def typing():
        r = views.Reflection("reflection-x", save_every=30)
        r.text.value = "First."
        r.text.value = "First. Second."
        assert on_disk(in_tmp)["reflection-x"]["text"] == "First."
        assert r._pending is not None
        r.save_button.click()
        assert on_disk(in_tmp)["reflection-x"]["text"] == "First. Second." and r._pending is None

    run_async(typing())
