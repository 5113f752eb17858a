"""Nurture's Pelican plugins and the libraries behind its commands: one package per capability."""
