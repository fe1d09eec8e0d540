"""The demo's help centre, news and interest topics: three help categories with the
questions members ask most, five topics, three news posts (one for everyone) and the
demo student's interests."""

from __future__ import annotations

import datetime as dt

from wagtail.rich_text import RichText

from cms import services as cms_services
from cms.models import (
    HelpArticlePage,
    HelpCategoryPage,
    HelpIndexPage,
    HomePage,
    NewsIndexPage,
    NewsPostPage,
    RelatedHelpArticle,
    Topic,
)

# slug → (name, description)
TOPICS = {
    "writing": ("Writing and editing", "Techniques, exercises and examples for clear web text."),
    "accessibility": ("Accessibility", "Writing and publishing pages everyone can use."),
    "findability": ("Search and findability", "Helping readers and search engines find pages."),
    "events": ("Live sessions and events", "Q&As, guest talks and meet-ups."),
    "membership": ("Courses and membership", "New courses, cohorts and what members get."),
}


def _callout(kind: str, title: str, html: str) -> tuple:
    return ("callout", {"kind": kind, "title": title, "text": RichText(html)})


# category (title, slug, intro) → [(title, slug, short answer, body)]
HELP = [
    (
        ("Payments and membership", "payments", "Paying for a seat or a membership."),
        [
            (
                "How do I pay by invoice?",
                "pay-by-invoice",
                "Choose a cohort that is paid by invoice, enrol, and transfer the amount "
                "with the payment reference on the invoice before its due date.",
                [
                    ("heading", {"text": "From enrolment to a paid seat", "level": "h2"}),
                    (
                        "paragraph",
                        "<ol><li>On the course page, choose a cohort and select <b>Enrol</b>. "
                        "Your seat is held and an invoice is made at once.</li>"
                        "<li>Open <b>Payments</b> in the menu (or <b>See invoice</b> on "
                        "<b>My cohorts</b>). The invoice shows its number, the amount, the "
                        "due date (usually 14 days) and a <b>payment reference</b>.</li>"
                        "<li>Transfer the amount to the bank account on the invoice and quote "
                        "the payment reference, so that we can match your payment.</li>"
                        "<li>When the payment arrives we mark the invoice paid: your enrolment "
                        "becomes active and you receive a receipt by email.</li></ol>",
                    ),
                    _callout(
                        "tip",
                        "Paying for your employer?",
                        "<p>Forward the invoice to your finance team: the payment reference "
                        "is all they need to quote. Receipts can be printed from "
                        "<b>Payments</b>.</p>",
                    ),
                ],
            ),
            (
                "Can I pay in instalments or use a discount code?",
                "instalments-and-codes",
                "Where a cohort offers it, yes: select Check code and price on the course "
                "page to see the price with your code or plan before anything is held.",
                [
                    (
                        "paragraph",
                        "<p>A cohort may offer an early-bird price, a plan of monthly "
                        "instalments (the total is always shown) and discount codes or "
                        "scholarships. <b>Check code and price</b> on the course page shows "
                        "what you would pay; a code that does not work is explained next to "
                        "its field.</p><p>Instalments are taken monthly by card. If one "
                        "fails, you get an email and a few days to update your card; after "
                        "that your access pauses (your seat is kept) until it is paid.</p>",
                    ),
                ],
            ),
            (
                "Can I get a refund or move to a later cohort?",
                "refunds-and-moving",
                "Until the refund date shown on the course page (usually the end of week "
                "2) you get a full refund; you can also ask to move your seat to a later "
                "cohort of the same course.",
                [
                    (
                        "paragraph",
                        "<p>To ask for a refund, reply to your receipt or write to us with "
                        "your order number from <b>Payments</b>. To move instead, choose "
                        "<b>Move to a later cohort</b> next to the order in <b>Payments</b>: "
                        "staff answer your request by email, and your seat moves with what "
                        "you have paid.</p>",
                    ),
                ],
            ),
        ],
    ),
    (
        ("Courses and peer review", "courses", "Assignments, reviews and grades."),
        [
            (
                "How does peer review work?",
                "peer-review",
                "At the deadline every on-time hand-in is given to a few classmates to "
                "review against the rubric, and you review the same number of theirs. "
                "Reviews are anonymous both ways.",
                [
                    ("heading", {"text": "Giving reviews", "level": "h2"}),
                    (
                        "paragraph",
                        "<p>When the assignment's deadline passes, each submission is "
                        "assigned to (usually) three reviewers, and each student reviews "
                        "three others. You never get your own work or the same work twice. "
                        "Your reviews appear on the cohort's <b>My reviews</b> page with a "
                        "deadline: a review not done in time (usually 48 hours) is given to "
                        "someone else, so that nobody waits on an absent peer.</p><p>A "
                        "review is a level per rubric criterion, a comment per criterion "
                        "and an overall comment. Be specific and kind: say what works and "
                        "one thing to try.</p>",
                    ),
                    ("heading", {"text": "Your grade", "level": "h2"}),
                    (
                        "paragraph",
                        "<p>Once your reviews are in, your grade is the middle (median) "
                        "score of your peers per criterion. If they disagree a lot, or a "
                        "review is reported, an instructor grades your work instead. You "
                        "can rate how helpful each review was, and ask for a regrade once, "
                        "with a reason.</p>",
                    ),
                    _callout(
                        "note",
                        "Double-blind",
                        "<p>Reviewers do not see your name, and you see them as "
                        "“Reviewer 1, 2, 3”. Files you hand in reach reviewers without "
                        "their document metadata.</p>",
                    ),
                ],
            ),
            (
                "What happens when I hand in late?",
                "late-work",
                "It depends on the assignment: most take late work with a penalty per "
                "started day up to a cut-off; some do not accept it at all. The "
                "assignment page says which.",
                [
                    (
                        "paragraph",
                        "<p>Late work is marked with its days late and the penalty, which "
                        "is taken off your grade. It still gets peer reviewers: late "
                        "hand-ins join a rolling pool, and you give reviews too. Work "
                        "handed in after the review period has closed goes to an "
                        "instructor.</p>",
                    ),
                ],
            ),
        ],
    ),
    (
        ("Account and privacy", "account", "Your account, your emails and your data."),
        [
            (
                "How do I export or erase my data?",
                "export-or-erase-data",
                "You can ask for a copy of the personal data we hold about you, or for "
                "your account to be erased, at any time; we answer within a month.",
                [
                    ("heading", {"text": "A copy of your data", "level": "h2"}),
                    (
                        "paragraph",
                        "<p>The export holds your profile and contact details, your "
                        "enrolments and progress, what you handed in and wrote in "
                        "discussions and reviews, your orders and invoices, and your "
                        "consents and preferences, in a machine-readable file.</p>",
                    ),
                    ("heading", {"text": "Erasing your account", "level": "h2"}),
                    (
                        "paragraph",
                        "<p>Erasure removes your name, email address, profile and "
                        "preferences. Posts and reviews you gave stay readable for the "
                        "others in your cohort but no longer show who wrote them. Invoices "
                        "and payments are kept for as long as tax law requires (seven years "
                        "in the Netherlands) and then deleted.</p>",
                    ),
                    _callout(
                        "warning",
                        "Erasure cannot be undone",
                        "<p>Once your account is erased we cannot restore your progress, "
                        "grades or badges.</p>",
                    ),
                ],
            ),
            (
                "How do I choose which emails I get?",
                "email-preferences",
                "Under Notifications, open the preferences and choose, per kind of "
                "message: straight away, in a daily digest, or not at all.",
                [
                    (
                        "paragraph",
                        "<p>Some messages are always emailed at once because you need them: "
                        "invoices, receipts, a seat from the waitlist, a failed instalment "
                        "and access paused or restored. Choose the topics of news you want "
                        "to hear about on <b>Your interests</b>. Your language and timezone "
                        "are set under <b>Preferences</b>.</p>",
                    ),
                ],
            ),
        ],
    ),
]

# (days ago, title, slug, intro, body, topic slugs)
NEWS = [
    (
        1,
        "The help centre is open",
        "help-centre-open",
        "Answers to the questions members ask most, from paying by invoice to how peer "
        "review works, in one searchable place.",
        "<p>Look for <b>Help</b> on the home page. Missing an answer? Ask in your "
        "cohort's community and we will add it.</p>",
        [],
    ),
    (
        4,
        "In spring: accessible writing in practice",
        "accessible-writing-spring",
        "A new four-week course on link text, alt text, headings and plain language for "
        "pages everyone can use.",
        "<p>Members of the Premium plan get a seat included. Enrolment opens next month.</p>",
        ["accessibility"],
    ),
    (
        9,
        "Live Q&A: headlines that work",
        "live-qa-headlines",
        "Bring three headlines for one article; we rewrite them together in a live "
        "session open to every member.",
        "<p>The session is recorded for those who cannot join. Add it to your calendar "
        "from the cohort's live sessions.</p>",
        ["events", "writing"],
    ),
]

STUDENT_INTERESTS = ["writing", "events"]


def topics() -> dict[str, Topic]:
    return {
        slug: Topic.objects.create(name=name, slug=slug, description=description, sort_order=n)
        for n, (slug, (name, description)) in enumerate(TOPICS.items(), start=1)
    }


def help_centre(home: HomePage) -> HelpIndexPage:
    index = home.add_child(
        instance=HelpIndexPage(
            title="Help",
            slug="help",
            intro="Answers to the questions members ask most. Search, or browse by topic.",
        )
    )
    articles = []
    for (title, slug, intro), entries in HELP:
        category = index.add_child(instance=HelpCategoryPage(title=title, slug=slug, intro=intro))
        for article_title, article_slug, answer, body in entries:
            articles.append(
                category.add_child(
                    instance=HelpArticlePage(
                        title=article_title, slug=article_slug, intro=answer, body=body
                    )
                )
            )
    by_slug = {a.slug: a for a in articles}
    see_also = {
        "pay-by-invoice": ["instalments-and-codes", "refunds-and-moving"],
        "peer-review": ["late-work"],
        "late-work": ["peer-review"],
        "export-or-erase-data": ["email-preferences"],
    }
    for slug, related in see_also.items():
        article = by_slug[slug]
        article.related_articles = [
            RelatedHelpArticle(related=by_slug[other], sort_order=n)
            for n, other in enumerate(related)
        ]
        article.save_revision().publish()
    return index


def news(home: HomePage, topics: dict[str, Topic], today: dt.date) -> NewsIndexPage:
    index = home.add_child(
        instance=NewsIndexPage(
            title="News", slug="news", intro="New courses, live sessions and updates."
        )
    )
    for days_ago, title, slug, intro, body, topic_slugs in NEWS:
        index.add_child(
            instance=NewsPostPage(
                title=title,
                slug=slug,
                date=today - dt.timedelta(days=days_ago),
                intro=intro,
                body=[("paragraph", body)],
                topics=[topics[s] for s in topic_slugs],
            )
        )
    return index


def knowledge(home: HomePage, student, today: dt.date) -> None:
    by_slug = topics()
    help_centre(home)
    news(home, by_slug, today)
    cms_services.interests_set(student, [by_slug[s] for s in STUDENT_INTERESTS])
