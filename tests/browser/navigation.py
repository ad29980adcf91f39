"""Following a link of the top navigation as a user does: a link gathered in a stage's drop-down
menu (ground.registry.Registry.menu_for) is reached by opening that menu first."""


def follow_nav(page, label: str) -> None:
    navbar = page.locator(".pn-navbar")
    link = navbar.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        # A closed menu's links are hidden, which role locators skip unless told; `has` is looked
        # for inside each menu, so it is the link's own locator, not the navbar's chain.
        inside = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        navbar.locator(".dropdown").filter(has=inside).locator(".dropdown-toggle").click()
    link.click()
