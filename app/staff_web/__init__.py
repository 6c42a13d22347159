"""Staff H5 pages under `/oa`: opened from official-account alerts, identified by WeChat OAuth."""

from app.staff_web.views import bp, root_bp

__all__ = ["bp", "root_bp"]
