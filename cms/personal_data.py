"""What the models this app owns or installs hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_COURSE,
    PURPOSE_EDITING,
    PURPOSE_NEWS,
    PURPOSE_SECURITY,
    RETENTION_CONTENT,
    RETENTION_MEMBERSHIP,
    RETENTION_SECURITY,
    Basis,
    Category,
    Erasure,
    declare,
    not_personal,
)

# What every Wagtail page model adds beside its own fields (declared on wagtailcore.Page).
PAGE = " _revisions _workflow_states _specific_workflow_states index_entries"

DECLARATIONS = [
    not_personal(
        "cms.HelpIndexPage",
        "page_ptr intro _revisions _workflow_states _specific_workflow_states index_entries",
    ),
    not_personal(
        "cms.HelpCategoryPage",
        "page_ptr intro _revisions _workflow_states _specific_workflow_states index_entries",
    ),
    not_personal(
        "cms.HelpArticlePage",
        "page_ptr intro body _revisions _workflow_states _specific_workflow_states index_entries",
    ),
    not_personal("cms.RelatedHelpArticle", "id sort_order article related"),
    not_personal(
        "cms.NewsIndexPage",
        "page_ptr intro _revisions _workflow_states _specific_workflow_states index_entries",
    ),
    not_personal(
        "cms.NewsPostPage",
        "page_ptr date intro body topics" + PAGE,
    ),
    not_personal("cms.Topic", "id sort_order name slug description"),
    declare(
        "cms.MemberInterest",
        subject="user",
        purpose=PURPOSE_NEWS,
        basis=Basis.CONSENT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        export_kind="interests",
        personal={
            "user": Category.IDENTITY,
            "topic": Category.PROFILE,
            "created_at": Category.PROFILE,
        },
        other="id",
    ),
    not_personal(
        "cms.HomePage",
        ("page_ptr intro" + PAGE),
    ),
    not_personal(
        "cms.CoursePage",
        (
            "page_ptr summary description image community_welcome "
            "community_guidelines _revisions _workflow_states "
            "_specific_workflow_states index_entries"
        ),
    ),
    not_personal("cms.CourseSpace", "id sort_order course name description posting is_qa"),
    not_personal(
        "cms.ModulePage",
        (
            "page_ptr summary unlock_unit unlock_offset _revisions _workflow_states "
            "_specific_workflow_states index_entries"
        ),
    ),
    not_personal(
        "cms.LessonPage",
        (
            "page_ptr estimated_minutes body _revisions _workflow_states "
            "_specific_workflow_states index_entries"
        ),
    ),
    not_personal(
        "cms.AssignmentPage",
        (
            "page_ptr instructions accepts_text accepts_file accepts_link rubric "
            "due_days due_time peer_reviews self_assessment review_days "
            "review_turnaround_hours instructor_grading disagreement_percent "
            "late_policy late_penalty_percent late_cutoff_days _revisions "
            "_workflow_states _specific_workflow_states index_entries"
        ),
    ),
    declare(
        "wagtailforms.FormSubmission",
        purpose=PURPOSE_COURSE,
        basis=Basis.CONSENT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        export_kind="form_submissions",
        personal={
            "form_data": Category.CONTENT,
        },
        other="id page submit_time",
    ),
    not_personal(
        "wagtailredirects.Redirect",
        (
            "id old_path site is_permanent redirect_page redirect_page_route_path "
            "redirect_link automatically_created created_at"
        ),
    ),
    not_personal(
        "wagtailembeds.Embed",
        (
            "id url max_width hash type html title author_name provider_name "
            "thumbnail_url width height last_updated cache_until"
        ),
    ),
    declare(
        "wagtailusers.UserProfile",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
            "submitted_notifications": Category.PROFILE,
            "approved_notifications": Category.PROFILE,
            "rejected_notifications": Category.PROFILE,
            "updated_comments_notifications": Category.PROFILE,
            "preferred_language": Category.PROFILE,
            "current_time_zone": Category.PROFILE,
            "avatar": Category.PROFILE,
            "dismissibles": Category.PROFILE,
            "theme": Category.PROFILE,
            "contrast": Category.PROFILE,
            "density": Category.PROFILE,
            "keyboard_shortcuts": Category.PROFILE,
        },
        other="id",
    ),
    declare(
        "wagtaildocs.Document",
        subject="uploaded_by_user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "uploaded_by_user": Category.IDENTITY,
        },
        other=(
            "id collection title file created_at file_size file_hash tags "
            "tagged_items index_entries"
        ),
    ),
    declare(
        "wagtailimages.Image",
        subject="uploaded_by_user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "uploaded_by_user": Category.IDENTITY,
        },
        other=(
            "id collection title file description width height created_at "
            "focal_point_x focal_point_y focal_point_width focal_point_height "
            "file_size file_hash tags tagged_items index_entries"
        ),
    ),
    not_personal(
        "wagtailimages.Rendition", "id filter_spec file width height focal_point_key image"
    ),
    declare(
        "wagtailsearch.IndexEntry",
        purpose=PURPOSE_COURSE,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_CONTENT,
        on_erasure=Erasure.ANONYMISE,
        personal={
            "body_text": Category.CONTENT,
            "title_text": Category.CONTENT,
            "title_norm": Category.CONTENT,
            "autocomplete": Category.CONTENT,
            "title": Category.CONTENT,
            "body": Category.CONTENT,
        },
        other="id content_type object_id content_object",
    ),
    declare(
        "wagtailsearch.SQLiteFTSIndexEntry",
        purpose=PURPOSE_COURSE,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_CONTENT,
        on_erasure=Erasure.ANONYMISE,
        personal={
            "autocomplete": Category.CONTENT,
            "title": Category.CONTENT,
            "body": Category.CONTENT,
        },
        other="index_entry",
    ),
    not_personal("wagtailadmin.Admin", "id"),
    declare(
        "wagtailadmin.EditingSession",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_SECURITY,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
        },
        other=("id content_type object_id last_seen_at is_editing content_object"),
    ),
    declare(
        "wagtailadmin.FormState",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_SECURITY,
        on_erasure=Erasure.DELETE,
        personal={
            "data": Category.CONTENT,
            "user": Category.IDENTITY,
        },
        other=("id content_type object_id parent_object_id last_updated_at content_object"),
    ),
    not_personal("wagtailcore.Locale", "id language_code"),
    not_personal("wagtailcore.Site", "id hostname port site_name root_page is_default_site"),
    not_personal("wagtailcore.GroupSitePermission", "id group site permission"),
    declare(
        "wagtailcore.APIToken",
        subject="user",
        purpose=PURPOSE_SECURITY,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
        },
        other="id name key_hash prefix created revoked_at last_used_at",
    ),
    declare(
        "wagtailcore.ModelLogEntry",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
        },
        other=(
            "id content_type label action data timestamp uuid revision "
            "content_changed deleted object_id"
        ),
    ),
    declare(
        "wagtailcore.Revision",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
        },
        other=(
            "id content_type base_content_type object_id created_at object_str "
            "content approved_go_live_at content_object"
        ),
    ),
    not_personal(
        "wagtailcore.CollectionViewRestriction", "id restriction_type password collection groups"
    ),
    not_personal("wagtailcore.Collection", "id path depth numchild name"),
    not_personal("wagtailcore.GroupCollectionPermission", "id group collection permission"),
    declare(
        "wagtailcore.UploadedFile",
        subject="uploaded_by_user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_SECURITY,
        on_erasure=Erasure.DELETE,
        personal={
            "file": Category.CONTENT,
            "uploaded_by_user": Category.IDENTITY,
        },
        other="id for_content_type",
    ),
    not_personal("wagtailcore.WorkflowContentType", "content_type workflow"),
    declare(
        "wagtailcore.WorkflowState",
        subject="requested_by",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "requested_by": Category.IDENTITY,
        },
        other=(
            "id content_type base_content_type object_id workflow status "
            "created_at current_task_state content_object"
        ),
    ),
    not_personal("wagtailcore.Workflow", "id name active"),
    not_personal("wagtailcore.WorkflowTask", "id sort_order workflow task"),
    not_personal("wagtailcore.Task", "id name content_type active"),
    not_personal("wagtailcore.GroupApprovalTask", "task_ptr groups"),
    declare(
        "wagtailcore.TaskState",
        subject="finished_by",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "finished_by": Category.IDENTITY,
            "comment": Category.CONTENT,
        },
        other=("id workflow_state revision task status started_at finished_at content_type"),
    ),
    declare(
        "wagtailcore.Page",
        subject="owner",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "locked_by": Category.IDENTITY,
            "owner": Category.IDENTITY,
        },
        other=(
            "id path depth numchild translation_key locale latest_revision live "
            "has_unpublished_changes first_published_at last_published_at "
            "live_revision go_live_at expire_at expired locked locked_at title "
            "draft_title slug content_type url_path latest_revision_created_at "
            "alias_of show_in_menus seo_title search_description _revisions "
            "_workflow_states _specific_workflow_states index_entries"
        ),
    ),
    not_personal("wagtailcore.GroupPagePermission", "id group page permission"),
    not_personal("wagtailcore.PageViewRestriction", "id restriction_type password page groups"),
    not_personal("wagtailcore.WorkflowPage", "page workflow"),
    declare(
        "wagtailcore.PageLogEntry",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
        },
        other=(
            "id content_type label action data timestamp uuid revision content_changed deleted page"
        ),
    ),
    declare(
        "wagtailcore.Comment",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
            "text": Category.CONTENT,
            "resolved_by": Category.IDENTITY,
        },
        other=("id page contentpath position created_at updated_at revision_created resolved_at"),
    ),
    declare(
        "wagtailcore.CommentReply",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
            "text": Category.CONTENT,
        },
        other="id comment created_at updated_at",
    ),
    declare(
        "wagtailcore.PageSubscription",
        subject="user",
        purpose=PURPOSE_EDITING,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
        },
        other="id page comment_notifications",
    ),
    not_personal(
        "wagtailcore.ReferenceIndex",
        (
            "id content_type base_content_type object_id to_content_type to_object_id "
            "model_path content_path content_path_hash"
        ),
    ),
    not_personal("taggit.Tag", "id name slug"),
    not_personal("taggit.TaggedItem", "id tag content_type object_id content_object"),
]
