"""The portal's page types and their tables, one module per concern; Django finds them
all through this package."""

from edu_portal.cms.models.articles import (
    ArticleAttachment,
    ArticlePage,
    Category,
    IndexSerial,
    Validity,
)
from edu_portal.cms.models.departments import (
    DepartmentIndexPage,
    DepartmentPage,
    ServiceGuidePage,
)
from edu_portal.cms.models.pages import (
    CatalogueIndexPage,
    ColumnKind,
    ColumnPage,
    HomePage,
    SitemapPage,
    StandardPage,
)
from edu_portal.cms.models.review import PageReview, PlatformApprovalTask
from edu_portal.cms.models.rights import ManagedGroup
from edu_portal.cms.models.schools import SchoolIndexPage, SchoolSitePage
from edu_portal.cms.models.search import SiteSearchEntry
from edu_portal.cms.models.site_settings import PortalSettings
from edu_portal.cms.models.stats import PageVisitDay

__all__ = [
    "ArticleAttachment",
    "ArticlePage",
    "CatalogueIndexPage",
    "Category",
    "ColumnKind",
    "ColumnPage",
    "DepartmentIndexPage",
    "DepartmentPage",
    "HomePage",
    "IndexSerial",
    "ManagedGroup",
    "PageReview",
    "PageVisitDay",
    "PlatformApprovalTask",
    "PortalSettings",
    "SchoolIndexPage",
    "SchoolSitePage",
    "ServiceGuidePage",
    "SiteSearchEntry",
    "SitemapPage",
    "StandardPage",
    "Validity",
]
