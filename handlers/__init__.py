"""All chat commands, in dispatch and 帮助 order (explicit: no directory scanning)."""

from bot.router import Router
from handlers import (
    drafts,
    exports,
    files,
    meetings,
    members,
    outlets,
    publications,
    review,
    stats,
    topics,
    trainings,
)
from handlers import help as help_commands

ROUTER = Router()
for feature in (help_commands.router, drafts.router, review.router, publications.router, outlets.router,
                stats.router, exports.router, topics.router, meetings.router, trainings.router, members.router,
                files.router):
    ROUTER.include(feature)
