"""StreamField blocks for lesson content, shared by every curriculum page, and the
article body of the help and news pages (the same blocks, without code samples)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Level 2")), ("h3", _("Level 3")), ("h4", _("Level 4"))],
        default="h2",
        label=_("Level"),
    )

    class Meta:
        icon = "title"
        template = "blocks/heading.html"
        label = _("Heading")


class FigureBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        required=False,
        help_text=_("Describe the image for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "image"
        template = "blocks/figure.html"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video URL"), help_text=_("A YouTube or Vimeo link."))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "media"
        template = "blocks/video.html"
        label = _("Video")


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("File"))
    description = blocks.CharBlock(label=_("Description"), required=False)

    class Meta:
        icon = "doc-full"
        template = "blocks/download.html"
        label = _("Download")


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("text", _("Plain text")),
            ("python", "Python"),
            ("javascript", "JavaScript"),
            ("html", "HTML"),
            ("css", "CSS"),
            ("sql", "SQL"),
            ("bash", _("Shell")),
        ],
        default="python",
        label=_("Language"),
    )
    code = blocks.TextBlock(label=_("Code"))

    class Meta:
        icon = "code"
        template = "blocks/code.html"
        label = _("Code sample")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("note", _("Note")), ("warning", _("Warning"))],
        default="note",
        label=_("Kind"),
    )
    title = blocks.CharBlock(label=_("Title"), required=False)
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "warning"
        template = "blocks/callout.html"
        label = _("Callout")


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Rich text"),
        icon="pilcrow",
        features=["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "image"],
    )
    image = FigureBlock()
    video = VideoBlock()
    download = DownloadBlock()
    code = CodeBlock()
    callout = CalloutBlock()


class ArticleStreamBlock(blocks.StreamBlock):
    """Help articles and news posts: the lesson blocks a reader of a help page needs."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Rich text"),
        icon="pilcrow",
        features=["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul"],
    )
    image = FigureBlock()
    video = VideoBlock()
    download = DownloadBlock()
    callout = CalloutBlock()


# --- Rubrics ----------------------------------------------------------------------------


class RubricLevelBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Level"), max_length=80, help_text=_("E.g. “Excellent”."))
    points = blocks.IntegerBlock(label=_("Points"), min_value=0, max_value=1000)
    description = blocks.TextBlock(label=_("What earns this level"), required=False)

    class Meta:
        icon = "tick"
        label = _("Level")


class RubricCriterionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Criterion"), max_length=120)
    description = blocks.TextBlock(label=_("What reviewers look for"), required=False)
    levels = blocks.ListBlock(RubricLevelBlock(), label=_("Levels"), min_num=2)

    class Meta:
        icon = "list-ul"
        label = _("Criterion")


class RubricStreamBlock(blocks.StreamBlock):
    criterion = RubricCriterionBlock()

    class Meta:
        min_num = 1
