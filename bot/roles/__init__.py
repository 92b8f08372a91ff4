"""Roles per team (member, manager, admin): where they come from, who may grant them, and refusals that say
who can do what was refused."""
