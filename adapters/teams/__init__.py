"""Microsoft Teams: translate, render (Adaptive Cards), transport (botbuilder CloudAdapter), app package."""
