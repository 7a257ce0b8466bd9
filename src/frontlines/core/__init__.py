"""Pure geometry core: shapely, pyproj and numpy only; no files, network, database or clock."""
