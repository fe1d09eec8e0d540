"""Every Wagtail page and snippet of the site, by concern: the curriculum (course →
module → lesson and assignment), interest topics and members' interests, the knowledge
base (help index → category → article) and the news (index → post)."""

from cms.models.curriculum import (
    AssignmentPage,
    CoursePage,
    CourseSpace,
    HomePage,
    InstructorGrading,
    LatePolicy,
    LessonPage,
    ModulePage,
    SpacePosting,
    UnlockUnit,
    unlock_label,
)
from cms.models.help import HelpArticlePage, HelpCategoryPage, HelpIndexPage, RelatedHelpArticle
from cms.models.news import NewsIndexPage, NewsPostPage
from cms.models.topics import MemberInterest, Topic

__all__ = [
    "AssignmentPage",
    "CoursePage",
    "CourseSpace",
    "HelpArticlePage",
    "HelpCategoryPage",
    "HelpIndexPage",
    "HomePage",
    "InstructorGrading",
    "LatePolicy",
    "LessonPage",
    "MemberInterest",
    "ModulePage",
    "NewsIndexPage",
    "NewsPostPage",
    "RelatedHelpArticle",
    "SpacePosting",
    "Topic",
    "UnlockUnit",
    "unlock_label",
]
