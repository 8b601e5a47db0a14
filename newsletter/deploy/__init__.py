"""Running the newsletter somewhere: a new working folder (``init``), the files that deploy
it (container, GitHub Actions workflow) and the database kept between CI runs (``state``)."""
