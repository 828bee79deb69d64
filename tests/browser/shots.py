"""What the screenshot scripts (tests/browser/*screenshots.py) share: a fresh server and Chromium,
pages for a locale and viewport, full-page PNGs, and the UI steps every script seeds with.

    from shots import PHONE, cli, shooter

    def run(out):
        with shooter(out, prefix="blog-") as s:
            ana = s.person("ana", "Ana Lima")
            slug = s.community(ana, "Launch Team", access="public")
            s.shoot(ana, "index", f"/c/{slug}/blog/")         # OUT/blog-index.png
            zh = s.signed_in("ana", locale="zh-CN")
            s.shoot(zh, "index-zh", f"/c/{slug}/blog/")
        return 0

    if __name__ == "__main__":
        cli(run, __doc__, default="screenshots")

Not a test module: pytest collects test_*.py only.
"""
from __future__ import annotations

import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _path in (str(HERE), str(ROOT)):  # conftest imports tests.live; the analytics seed imports collab
    if _path not in sys.path:
        sys.path.insert(0, _path)

import conftest as support  # noqa: E402  (the browser tests' server and UI helpers)
from conftest import PASSWORD, create_community, open_actions, register, say, sign_in, slug_from_url  # noqa: E402,F401

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Shooter:
    """One server and one browser; every page it makes is closed before the server stops."""

    def __init__(self, out: Path, prefix: str, server, browser, tmp: Path):
        self.out, self.prefix, self.server, self.browser, self.tmp = out, prefix, server, browser, tmp
        self.saved: list[Path] = []
        self.contexts = []
        self.pages = []
        self.seeded = None  # what shooter(seed=...) returned

    # ------------------------------------------------------------------ pages

    def page(self, locale: str = "en-US", viewport: dict | None = None):
        """A page in a new browser context (its own cookies) on the server. Dialogs (confirmations,
        leaving an editor) are accepted; ``page.watch`` collects console errors."""
        context = self.browser.new_context(base_url=self.server.url, viewport=viewport or DESKTOP, locale=locale)
        context.set_default_timeout(15_000)
        context.add_init_script(support.CSP_LISTENER)
        self.contexts.append(context)
        page = context.new_page()
        page.watch = support.watch(page)
        page.on("dialog", lambda dialog: dialog.accept())
        self.pages.append(page)
        return page

    def person(self, username: str, display_name: str, **page_options):
        """A new page on which ``username`` registers (the first one becomes the site admin)."""
        page = self.page(**page_options)
        register(page, username, display_name)
        return page

    def ana_and_bo(self, **bo_page_options):
        """The two people most scripts need: Ana Lima (registers first: the site admin) and
        陈博 Bo Chen; their pages."""
        return self.person("ana", "Ana Lima"), self.person("bo", "陈博 Bo Chen", **bo_page_options)

    def signed_in(self, username: str, **page_options):
        """A new page (``locale=``, ``viewport=``) on which ``username`` has signed in."""
        page = self.page(**page_options)
        sign_in(page, username)
        return page

    # ------------------------------------------------------------------ pictures

    def shoot(self, page, name: str, path: str | None = None, *, full: bool = True, top: bool = True) -> Path:
        """Go to ``path`` (if given), wait for the load, save OUT/<prefix><name>.png: the full page,
        scrolled to the top (a sticky header stays where the page was scrolled) unless told not to."""
        if path is not None:
            page.goto(path)
        page.wait_for_load_state("load")
        # Parts the page fetches once loaded (related content) are in the picture too.
        page.wait_for_function("!document.querySelector('[data-related]')", timeout=10_000)
        if top:
            page.evaluate("window.scrollTo(0, 0)")
        return self._save(page, name, full_page=full)

    def shoot_element(self, locator, name: str) -> Path:
        """Save just one element (``locator``) as OUT/<prefix><name>.png."""
        return self._save(locator, name)

    def _save(self, target, name: str, **options) -> Path:
        path = self.out / f"{self.prefix}{name}.png"
        target.screenshot(path=str(path), **options)
        self.saved.append(path)
        return path

    # ------------------------------------------------------------------ seeding through the UI

    def community(self, page, name: str, *, members=(), **options) -> str:
        """``page``'s user creates a community (options as conftest.create_community), the users
        of the ``members`` pages join it (it must be public); its slug."""
        create_community(page, name, **options)
        slug = slug_from_url(page.url)
        for member in members:
            join(member, slug)
        return slug

    def problems(self) -> list[str]:
        """Console errors and uncaught exceptions on every page, CSP violations on the open ones."""
        found = [p for page in self.pages for p in page.watch.problems()]
        for page in self.pages:
            try:
                found += page.evaluate("window.__cspViolations || []")
            except Exception:  # a page that is gone or between documents
                pass
        return found


# ---------------------------------------------------------------------- UI steps the scripts share


def submit(page, label: str) -> None:
    """Click the button named ``label`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def join(page, slug: str) -> None:
    """``page``'s user joins the public community ``slug`` (in any language)."""
    page.goto(f"/c/{slug}/")
    click_and_wait(page, page.locator(f".community-actions form[action='/c/{slug}/join'] button"))


def answer_rollback_question(ana, bo, topic_url: str) -> None:
    """Ana answers Bo's forum question about rolling back a deploy twice; Bo accepts the first."""
    ana.goto(topic_url)
    ana.fill("#body", "Run the previous tag's pipeline: `deploy v1.2.2`. It takes about four minutes.")
    submit(ana, "Post reply")
    ana.fill("#body", "And open an incident ticket so the on-call lead knows.")
    submit(ana, "Post reply")
    bo.goto(topic_url)
    click_and_wait(bo, bo.locator(".forum-post", has_text="previous tag").get_by_role("button", name="Accept as answer"))


# ---------------------------------------------------------------------- running a script


@contextmanager
def shooter(outdir, *, prefix: str = "", server_env: dict | None = None, seed=None):
    """Start ``collab serve`` on a fresh temporary instance and Chromium; yield a Shooter.

    ``seed(instance_path)`` runs before the server starts (its result is ``shooter.seeded``);
    ``server_env`` adds environment variables for the server. On an error the server's log is
    printed; at the end every page's problems are, then the PNGs written."""
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found: install Debian's chromium or set COLLAB_CHROMIUM", file=sys.stderr)
        raise SystemExit(2)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="collab-shots-") as tmp:
        instance = Path(tmp) / "instance"
        seeded = seed(instance) if seed is not None else None
        server = support.LiveServer(instance, env=server_env)
        playwright = browser = shots = None
        try:
            playwright = sync_playwright().start()
            browser = support.launch_chromium(playwright, executable)
            shots = Shooter(out, prefix, server, browser, Path(tmp))
            shots.seeded = seeded
            yield shots
            problems = shots.problems()
            if problems:
                print("browser problems:", problems, file=sys.stderr)
        except Exception:
            print(server.log(), file=sys.stderr)
            raise
        finally:
            for context in shots.contexts if shots else ():
                context.close()
            if browser is not None:
                browser.close()
            if playwright is not None:
                playwright.stop()
            server.stop()
    for path in shots.saved:
        print(path)


def cli(run, doc: str, *, default: str | None = None) -> None:
    """``script.py OUTDIR`` (or no argument when there is a ``default`` folder): exit with run(OUTDIR)."""
    args = sys.argv[1:]
    if len(args) == 1 or (not args and default):
        sys.exit(run(args[0] if args else default))
    print(doc.strip(), file=sys.stderr)
    sys.exit(2)
