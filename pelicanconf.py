"""Development settings for the Nurture sample blog.

`invoke build` and `pelican content -s pelicanconf.py` both read this file.
Production overrides live in publishconf.py.
"""

from __future__ import annotations

AUTHOR = "Olivia Hart"
SITENAME = "Warm Leads"
SITESUBTITLE = "Follow-up, referrals and the long game of business relationships"
SITE_DESCRIPTION = (
    "Olivia Hart and Marcus Bell write about staying in touch, earning referrals "
    "and turning clients into friends of the business."
)
# Feeds and share links need an absolute address even in development; pages link
# relatively, so the built site also works when opened from another host or port.
SITEURL = "http://127.0.0.1:8000"
RELATIVE_URLS = True

PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra"]
EXTRA_PATH_METADATA = {
    "extra/favicon.svg": {"path": "favicon.svg"},
}

TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# Twelve cards fill whole rows of one, two, three or four columns.
DEFAULT_PAGINATION = 12
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
SUMMARY_MAX_LENGTH = 40

THEME = "theme"
PLUGIN_PATHS = ["."]
PLUGINS = [
    "plugins.fastbuild",
    "plugins.blog",
    "plugins.feeds",
    "plugins.comments",
    "plugins.newsletter",
]

# Clean, stable URLs.
ARTICLE_URL = "{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "archives/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "archives/{date:%Y}/{date:%m}/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "404"]

# Pelican's own feeds are off: plugins/feeds writes every feed with feedgen.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

# Feeds (plugins.feeds; docs/feeds.md lists every key). Paths are relative to output/,
# None switches a feed off; the other defaults are the same feeds for tags and authors.
FEEDS = {
    "all_atom": "feeds/all.atom.xml",
    "all_rss": "feeds/all.rss.xml",
    "all_json": "feeds/all.json",
    "category_atom": "feeds/category/{slug}.atom.xml",
    "category_rss": "feeds/category/{slug}.rss.xml",
    "max_items": 20,
    # Entry ids are tag:<id_authority>,<date>:<slug> and never change with SITEURL.
    # The default is SITENAME's slug; it is pinned here so renaming the site keeps them.
    "id_authority": "warm-leads",
}

# Python-Markdown's smarty extension (curly quotes) nearly doubles the time spent
# on Markdown; type “ ” ’ — yourself, or add "markdown.extensions.smarty": {} at that cost.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

# Who writes here. Every post's Author must be one of these names; the theme shows
# the bio and the follow links in the author box under each article.
AUTHOR_PROFILES = {
    "Olivia Hart": {
        "short_name": "Olivia",
        "role": "Relationship coach",
        "bio": (
            "Olivia coaches consultants and small-firm owners on staying in touch "
            "with the people who send them work. She still writes thank-you cards by hand."
        ),
        "photo": "",
        "links": [
            ("LinkedIn", "https://www.linkedin.com/in/olivia-hart-example"),
            ("Mastodon", "https://mastodon.example/@oliviahart"),
            ("Email", "mailto:olivia@warmleads.example"),
        ],
    },
    "Marcus Bell": {
        "short_name": "Marcus",
        "role": "Referral partner and networking-group host",
        "bio": (
            "Marcus runs a weekly breakfast networking group and helps accountants "
            "and lawyers build referral partnerships that last."
        ),
        "photo": "",
        "links": [
            ("LinkedIn", "https://www.linkedin.com/in/marcus-bell-example"),
            ("Website", "https://marcusbell.example"),
        ],
    },
}

# The call to action under each article and the Subscribe page.
SUBSCRIBE = {
    "title": "Get one warm idea a month",
    "text": (
        "A short letter on follow-up, referrals and keeping in touch, with the month's "
        "posts. No tricks, and one click to leave."
    ),
    # Until the subscriptions service is running, sign-ups arrive by email.
    "email": "hello@warmleads.example",
}
CONTACT_EMAIL = "hello@warmleads.example"

MENUITEMS = [
    ("Archives", "archives/"),
    ("Topics", "categories/"),
    ("Newsletter", "newsletter/"),
]
DISPLAY_PAGES_ON_MENU = True
DISPLAY_CATEGORIES_ON_MENU = False

SHARE_LINKS = ["email", "linkedin", "facebook", "x"]
RELATED_POSTS_MAX = 3

DELETE_OUTPUT_DIRECTORY = True
OUTPUT_RETENTION = [".git"]
LOAD_CONTENT_CACHE = False

# Contacts (plugins/contacts, docs/contacts.md): each stage with its days between touches
# (new contacts get the first stage), and the cadence for a contact whose stage is not
# listed. The database itself is data/nurture.sqlite3 (NURTURE_DB overrides): private.
CONTACTS = {
    "stages": {"prospect": 14, "client": 30, "partner": 45, "friend": 90},
    "default_cadence": 30,
}

# Reader comments (plugins/comments, docs/comments.md): approved comments are files under
# content/comments/<post-slug>/; replies arrive by email into the private queue under
# data/comments/ until `invoke comments.approve`. Posts may say `Comments: closed`.
COMMENTS = {
    "email": "comments@warmleads.example",
    "article_default": "open",
    "page_default": "hidden",
}

# The newsletter (plugins/newsletter, docs/newsletter.md): issues are files in
# content/newsletter/; each build renders their web pages, feed and email, and
# `invoke newsletter.preview N` shows the email. Bulk mail must carry a postal address.
# `invoke newsletter.send N` mails it; bounce reports go to the envelope sender, and
# "dkim_key_file" with "dkim_selector" turn on DKIM signing (docs/newsletter.md, Sending).
NEWSLETTER = {
    "from_name": "Olivia Hart",
    "from_address": "olivia@warmleads.example",
    "reply_to": "olivia@warmleads.example",
    "signature": "Warmly,\nOlivia\n\nOlivia Hart · Relationship coach, Warm Leads",
    "postal_address": "Warm Leads, 12 Orchard Row, Bath BA1 1AA, United Kingdom",
    "envelope_sender": "bounces@warmleads.example",
}

# The subscriptions service (plugins/subscriptions, docs/subscriptions.md): sign-up with
# double opt-in, one-click unsubscribe and posted comments. When SUBSCRIPTIONS_URL is set
# (e.g. "https://subscribe.warmleads.example"), the sign-up and comment forms post to it;
# empty, they open the reader's mail client. Run it with `invoke subscriptions.serve`;
# its signing key comes from NURTURE_SUBSCRIPTIONS_SECRET, never from this file.
SUBSCRIPTIONS_URL = ""
SUBSCRIPTIONS = {
    "tags": ["newsletter"],  # what the site's sign-up forms give a subscriber
    "confirm_days": 7,
    "per_ip_hour": 30,
    "per_address_hour": 5,
}
