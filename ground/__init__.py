"""The ground floor every app stands on: model-free building blocks with no knowledge of any app.

- `sheets`: reading the exchange sheets of DATA-STANDARD.md (declared columns, row and column errors
  in Chinese, templates and error reports);
- `api`, `views`: bases for API viewsets and pages that read through a model's `visible_to(user)`;
- `forms`: Bootstrap form helpers;
- `db_worker`: a database connection of its own on a thread, for work beside a request or task;
- `middleware`: the Chinese-first locale;
- `errors`: the 400, 403, 404, 500 and CSRF failure pages (JSON under /api/);
- `registry`: the home-page cards and navigation entries that each app registers and the project
  collects (as Django's admin collects ModelAdmins).

Nothing here imports an app (tests/test_architecture.py checks it).
"""
