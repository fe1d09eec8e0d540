"""REST API of memberships: the tiers on offer, the member's own membership and what
they change in it, and for staff the revenue figures and the list of members.

One view per action with explicit input and output serializers; reads go through
``memberships.selectors``, writes through ``memberships.services``, and their
DomainErrors become ``{"detail", "code"}`` responses (lms.api.exception_handler).
"""
