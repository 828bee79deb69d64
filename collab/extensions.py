"""Extension singletons, bound to an app in collab.app.create_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from collab.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def read(statement, params=None):
    """Run a prebuilt SELECT of columns (not of mapped objects) on the session's connection: the
    same transaction and rows as ``db.session.execute``, without the ORM's per-statement work
    (about half the cost of a small statement). Pending changes are flushed first, as the
    session's autoflush would."""
    session = db.session()
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    return session.connection().execute(statement, params)
