"""The GIS edge: files in and out, all geometry in British National Grid (EPSG:27700).

Only this package imports geopandas and pyogrio. Import the modules you need (nothing is loaded here, so
importing ``envservices.gis`` stays cheap):

- ``read``: ``read_layer`` for GeoPackage, Shapefile (or zip), GeoJSON, CSV with coordinates, OSM extracts
- ``validate``: geometry checks and safe repairs, problems reported by row number
- ``importer``: ``import_places``, ``import_assets``, ``import_osm`` -> ``ImportResult`` of domain objects
- ``write``: ``export_gpkg`` (a layer per kind) and ``export_geojson`` (RFC 7946 lon/lat by default)
- ``network``: ``RoadNetwork`` and its cached ``travel_matrix``, with a straight-line fallback
"""
