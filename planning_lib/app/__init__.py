"""The manager's cockpit: the Voila slider app, its Soll/Ist tab, charts, export and server."""
