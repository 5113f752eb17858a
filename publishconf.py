"""Production settings: everything from pelicanconf.py, then the overrides below.

Used by `invoke preview`, `invoke publish` and `invoke gh-pages`. Set NURTURE_SITEURL
to your site's address, e.g. NURTURE_SITEURL=https://www.example.com.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parent))
from pelicanconf import *

SITEURL = os.environ.get("NURTURE_SITEURL", "https://warmleads.example").rstrip("/")
RELATIVE_URLS = False
NURTURE_PRODUCTION = True

DELETE_OUTPUT_DIRECTORY = True

# Where `invoke publish` uploads the site with rsync over ssh. Leave empty to be told
# what to set; the environment variables win over these values.
SSH_HOST = os.environ.get("NURTURE_SSH_HOST", "")
SSH_PORT = int(os.environ.get("NURTURE_SSH_PORT", "22"))
SSH_USER = os.environ.get("NURTURE_SSH_USER", "")
SSH_TARGET_DIR = os.environ.get("NURTURE_SSH_TARGET_DIR", "")
GITHUB_PAGES_BRANCH = "gh-pages"

# Drafts are previewed in development (output/drafts/) but never published.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
