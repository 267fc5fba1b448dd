"""Every page at a phone's and a desktop's width, checked by axe-core in Chromium: no violation
of impact "serious" or "critical", and nothing scrolls sideways.

axe-core comes from the PyPI package axe-playwright-python (pinned in requirements.txt), which
ships axe.min.js; the test injects that file itself. The pages' Content Security Policy would
refuse an injected script, so the browser context bypasses it (tests/test_csp.py checks the
policy itself).
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import pytest  # noqa: E402
from axe_playwright_python.base import AXE_SCRIPT  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from accounts.models import Pronunciation  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from library.models import AudiobookDetails  # noqa: E402
from tests.factories import make_book, make_job, make_user  # noqa: E402
from tests.test_browser import log_in  # noqa: E402
from tests.test_browser_player import long_book  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[str]:
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})))"
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in results if v["impact"] in BLOCKING]


def check(page, url, size_name):
    response = page.goto(url)
    assert response is not None
    page.wait_for_load_state("load")
    problems = axe_violations(page)
    assert not problems, f"{url} at {size_name}: {problems}"
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{url} at {size_name} is {wide[0]} px wide in {wide[1]}"


@pytest.fixture
def axe_page(browser):
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def test_every_page_passes_axe_and_fits_the_screen(axe_page, live_server):
    page = axe_page
    page.set_default_timeout(30_000)
    base = live_server.url
    user = make_user("axe@example.com")
    done = long_book(user)
    waiting = make_book(user=user, title="Waiting in the queue")
    make_job(waiting)
    converting = make_book(user=user, title="Converting now", status="processing")
    make_job(converting, status=ConversionJob.Status.RUNNING, progress=30)
    failed = make_book(user=user, title="Broken", status="failed")
    make_job(failed, status=ConversionJob.Status.FAILED, error_message="This PDF is damaged.")
    AudiobookDetails.objects.create(audiobook=failed, page_count=3)
    Pronunciation.objects.create(user=user, written="nginx", spoken="engine x")

    public = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/", "/no/such/page/"]  # fmt: skip
    private = [
        "/library/",
        "/library/?q=nothing-matches",
        "/library/upload/",
        "/library/voices/",
        f"/library/{done.pk}/",
        f"/library/{waiting.pk}/",
        f"/library/{converting.pk}/",
        f"/library/{failed.pk}/",
        f"/library/{done.pk}/delete/",
        "/accounts/",
        "/accounts/password_change/",
        "/library/no-such-book/",
    ]
    for size_name, size in SIZES.items():
        page.set_viewport_size(size)
        for url in public:
            check(page, base + url, size_name)
    log_in(page, live_server, user.email)
    for size_name, size in SIZES.items():
        page.set_viewport_size(size)
        for url in private:
            check(page, base + url, size_name)
        # The player with its bar running, and the shortcuts dialog open.
        page.goto(f"{base}/library/{done.pk}/")
        expect(page.locator("button.cue")).to_have_count(300)
        page.locator("[data-play]").click()
        page.locator("h1").click()
        page.keyboard.press("?")
        expect(page.get_by_role("dialog")).to_be_visible()
        problems = axe_violations(page)
        assert not problems, f"the playing player at {size_name}: {problems}"

    # The check can fail: a picture without a text alternative is a critical violation.
    page.keyboard.press("Escape")
    page.evaluate(
        "() => { const img = document.createElement('img'); img.width = img.height = 40;"
        " img.src = '/static/favicon.svg'; document.querySelector('h1').after(img); }"
    )
    problems = axe_violations(page)
    assert any(problem.startswith("image-alt (critical)") for problem in problems), problems
