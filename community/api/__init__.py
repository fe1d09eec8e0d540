"""REST API of the community: spaces, threads, posts, reactions, moderation, people.

One view per action with explicit input and output serializers; reads go through
``community.selectors``, writes through ``community.services``, and their DomainErrors
become ``{"detail", "code"}`` responses (lms.api.exception_handler). A module space
that is locked shows its title and unlock moment and nothing else: every endpoint
that would show something of it answers 403 ``space_locked`` with ``unlocks_at``.
"""
