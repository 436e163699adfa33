"""Every scenario module, imported so their scenarios register. Add one line per new module."""

from . import seeds  # noqa: F401
from . import recognising  # noqa: F401
from . import fanout  # noqa: F401
from . import disabling  # noqa: F401
from . import measuring  # noqa: F401
from . import answering  # noqa: F401
from . import hosted  # noqa: F401
from . import fieldguide  # noqa: F401
