"""Feedback given on an article, offline or not: kept on the device through a reload and a
failed send, and received by the server exactly once when the device is back online."""

from __future__ import annotations

import hashlib

from playwright.sync_api import expect
from sqlalchemy import select

from satchel.reports import database
from satchel.reports.tables import feedback

from .conftest import controlled, install, ready, stored_keys, stored_objects

ARTICLE = "#/read/caregiving/en/caregiver-strain-and-health"


def received(site) -> list[dict]:
    with site.app.app_context():
        engine = database.engine()
    with engine.connect() as connection:
        return [row._asdict() for row in connection.execute(select(feedback))]


def wait_for_rows(page, site, count: int) -> list[dict]:
    for _ in range(100):
        rows = received(site)
        if len(rows) >= count:
            return rows
        page.wait_for_timeout(100)
    return received(site)


def test_feedback_given_offline_reaches_the_server_once(new_page, site):
    page = new_page()
    ready(page, f"{site.url}/")
    controlled(page)
    install(page, "Caring for someone: what research says")
    page.context.set_offline(True)
    ready(page, f"{site.url}/{ARTICLE}")
    page.get_by_role("button", name="No").click()
    expect(page.locator(".feedback-status")).to_contain_text("sent when you are online")
    ready(page)  # a reload, still offline: the answer is kept
    assert len(stored_keys(page, "outbox")) == 1
    assert received(site) == []
    page.context.set_offline(False)  # the app sends what it kept on reconnecting
    [row] = wait_for_rows(page, site, 1)
    assert (row["article"], row["answer"], row["locale"]) == ("caregiver-strain-and-health",
                                                              "unclear", "en")  # fmt: skip
    for _ in range(50):
        if not stored_keys(page, "outbox"):
            break
        page.wait_for_timeout(100)
    assert stored_keys(page, "outbox") == []
    ready(page)  # another start online sends nothing again
    page.wait_for_timeout(500)
    assert len(received(site)) == 1


def test_a_failed_send_keeps_the_report_for_the_next_one(new_page, site):
    page = new_page(service_workers="block")
    failing = []
    page.route("**/api/v1/feedback", lambda route: (failing.append(1), route.fulfill(status=503)))
    ready(page, f"{site.url}/{ARTICLE}")
    page.get_by_role("button", name="Report a problem").click()
    page.get_by_label("It is hard to understand").check()
    page.get_by_label("A short note (optional)").fill("Too many long words")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".feedback-status")).to_contain_text("sent when you are online")
    page.wait_for_timeout(300)
    assert failing and len(stored_keys(page, "outbox")) == 1
    page.unroute("**/api/v1/feedback")
    ready(page)  # the next start sends it
    [row] = wait_for_rows(page, site, 1)
    assert (row["answer"], row["note"]) == ("hard", "Too many long words")
    assert set(row) >= {"id", "received_on"} and "ip" not in row


KEPT_OBJECT = hashlib.sha256(b"{}").hexdigest()  # an object "{}", named as objects are


def test_a_device_database_of_version_2_keeps_its_data_when_upgraded(new_page, site):
    page = new_page(service_workers="block")
    page.goto(f"{site.url}/static/icons/icon-192.png")  # the origin, before the app ever ran
    page.evaluate(
        """kept => new Promise((resolve, reject) => {
            const open = indexedDB.open("satchel", 2);
            open.onupgradeneeded = () => {
                for (const [name, key] of [["objects", "name"], ["installs", "key"],
                                           ["staging", "key"], ["keys", "id"]]) {
                    open.result.createObjectStore(name, { keyPath: key });
                }
            };
            open.onsuccess = () => {
                const tx = open.result.transaction("objects", "readwrite");
                tx.objectStore("objects").put({ name: kept, text: "{}" });
                tx.oncomplete = () => { open.result.close(); resolve(); };
                tx.onerror = () => reject(tx.error);
            };
            open.onerror = () => reject(open.error);
        })""",
        KEPT_OBJECT,
    )
    ready(page, f"{site.url}/{ARTICLE}")
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".feedback-status")).to_contain_text("sent when you are online")
    assert KEPT_OBJECT in stored_objects(page)  # moved into a chunk (version 5)
    [row] = wait_for_rows(page, site, 1)
    assert row["answer"] == "clear"
