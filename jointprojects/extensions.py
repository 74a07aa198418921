"""Flask extensions, created unbound and bound in :func:`jointprojects.create_app`."""

from typing import TYPE_CHECKING, Any, ClassVar

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model is mapped to a table (none to a join or a select), so Core statements
        # such as ``insert(Expense.__table__)`` type-check.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# Models subclass ``Model``. At run time it is ``db.Model``, which Flask-SQLAlchemy builds from
# ``Base`` (adding its bind-key and query mixins); the type checker cannot follow that attribute
# of an instance, so it sees the typed ``Base`` the class is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
#: ``__table_args__`` of every table whose rows are audited or named by id in a URL: on SQLite
#: ``INTEGER PRIMARY KEY AUTOINCREMENT``, so the id of a deleted row is never handed out again
#: (migration 3f6a9c1d2b74; PostgreSQL's sequences never reuse one anyway).
NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}

#: Half of each page left free on PostgreSQL for the rows' next versions, so that the
#: re-allocation's updates of unindexed columns stay on their page and touch no index
#: (heap-only updates; migration c4e8a2f61d93). SQLite has no such setting.
ROOM_TO_UPDATE: dict[str, Any] = {"postgresql_with": {"fillfactor": 50}}

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
