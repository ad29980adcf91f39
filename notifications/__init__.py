"""The platform's one notification service: in-app notifications (the bell), e-mail, and the
group robots of 企业微信 and 钉钉 that organisations configure.

Other apps tell people through one function, and read nothing else of this app:

    from notifications import notify

    notify(
        recipients,            # Iterable[User | int] or a User queryset (duplicates, inactive accounts dropped)
        kind,                  # str, 1-50 chars: what happened, the caller's code ("push.new", "assignment.due")
        title,                 # str, 1-200 chars: one line, shown in the bell list, the e-mail subject, robots
        body="",               # str: plain text, optional
        url="",                # str: a path of this site to act on ("/inventory/patents/12/"); ValueError otherwise
        *,
        organizations=(),      # Iterable[Organization | int]: their enabled group robots get the message too
    ) -> Notified              # Notified(notifications=int, deliveries=int)

It writes the in-app notifications in one bulk INSERT, one Delivery per e-mail address (users who
keep e-mail on, the default) and per enabled robot, and queues the sending after the caller's
transaction commits (a rolled-back change tells nobody). The query count does not grow with the
number of recipients. Failed deliveries are retried with a backoff (NOTIFY_MAX_ATTEMPTS,
NOTIFY_RETRY_BASE_SECONDS) by the beat's sweep.

`unread_count(user) -> int` is the bell's number, for a page or a card that shows it.
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(__name__, services="notify unread_count Notified")
