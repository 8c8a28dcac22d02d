/*
 * Townhall maps: progressive enhancement with the vendored Leaflet.
 *
 * Every page with a map works without it: the map only adds a quicker way to do something
 * the page already offers (a postcode search, a list of reports). Without JavaScript, or if
 * Leaflet fails to load, elements marked `data-map-requires-js` stay hidden and the content
 * of <template data-map-template> elements (say, a form that only makes sense with the map)
 * is never part of the page; with them, that content is put in the template's place.
 *
 * Markup (attributes of the element that becomes the map, usually a <div data-map hidden>):
 *   data-map                  turn this element into a map
 *   data-map-label            accessible name of the map ("Map of reports on this page")
 *   data-map-wards            URL of a GeoJSON FeatureCollection of ward outlines (same site)
 *   data-map-markers          id of a <script type="application/json"> holding a list of
 *                             {lat, lng, label, url, kind, detail}; each becomes a focusable
 *                             marker whose popup links to `url`
 *   data-map-pick             id of a form with inputs named lat and lng: clicking the map (or
 *                             pressing Enter while it has focus: its centre) fills them
 *   data-map-status           id of an aria-live element told what happened
 *   data-map-locate           id of a "Use my location" button (browser geolocation)
 *   data-map-tiles            tile URL template; data-map-attribution its credit. Without
 *                             them the map is drawn on a plain background and no tile server
 *                             is contacted.
 */
(function () {
  "use strict";

  var WARD_STYLE = { color: "#505a5f", weight: 2, fillColor: "#1d70b8", fillOpacity: 0.06 };
  var DEFAULT_VIEW = { lat: 54.57, lng: -1.24, zoom: 12 };

  function announce(status, text) {
    if (status) {
      status.textContent = text;
    }
  }

  function readMarkers(id) {
    var source = id && document.getElementById(id);
    if (!source) {
      return [];
    }
    try {
      return JSON.parse(source.textContent) || [];
    } catch (error) {
      return [];
    }
  }

  function markerIcon(item) {
    var label = document.createElement("span");
    label.className = "govuk-visually-hidden";
    label.textContent = item.label;
    return L.divIcon({
      className: "townhall-map-marker townhall-map-marker--" + (item.kind || "default").replace(/[^a-z-]/g, ""),
      html: label.outerHTML,
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -11]
    });
  }

  function popupContent(item) {
    var box = document.createElement("div");
    var title = document.createElement(item.url ? "a" : "strong");
    title.textContent = item.label;
    if (item.url) {
      title.href = item.url;
      title.className = "govuk-link";
    }
    box.appendChild(title);
    if (item.detail) {
      var detail = document.createElement("p");
      detail.className = "govuk-body-s govuk-!-margin-0";
      detail.textContent = item.detail;
      box.appendChild(detail);
    }
    return box;
  }

  function addMarkers(map, items) {
    var layer = L.featureGroup();
    items.forEach(function (item) {
      if (typeof item.lat !== "number" || typeof item.lng !== "number") {
        return;
      }
      L.marker([item.lat, item.lng], { icon: markerIcon(item), title: item.label, keyboard: true })
        .bindPopup(popupContent(item))
        .addTo(layer);
    });
    layer.addTo(map);
    return layer;
  }

  function loadWards(map, url, fitToWards) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("ward outlines answered " + response.status);
        }
        return response.json();
      })
      .then(function (geojson) {
        var layer = L.geoJSON(geojson, { style: WARD_STYLE, interactive: false }).addTo(map);
        layer.bringToBack();
        if (fitToWards && layer.getBounds().isValid()) {
          // No zoom animation for the first view: nothing to follow, and a click during it
          // would land somewhere other than where the outlines are being drawn.
          map.fitBounds(layer.getBounds(), { animate: false });
        }
        return layer;
      });
  }

  function setUpPicking(map, element, form, status) {
    var lat = form.querySelector("input[name=lat]");
    var lng = form.querySelector("input[name=lng]");
    var chosen = null;

    function choose(latlng, how) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      var item = { label: "The location you chose", kind: "chosen" };
      if (chosen) {
        chosen.setLatLng(latlng);
      } else {
        chosen = L.marker(latlng, { icon: markerIcon(item), title: item.label, keyboard: false }).addTo(map);
      }
      form.classList.add("townhall-map-form--chosen");
      announce(status, how + " Select \u2018Use this location\u2019 to continue, or choose again.");
    }

    if (lat.value && lng.value) {
      choose(L.latLng(parseFloat(lat.value), parseFloat(lng.value)), "A location is chosen.");
    }
    map.on("click", function (event) {
      choose(event.latlng, "Location chosen on the map.");
    });
    element.addEventListener("keydown", function (event) {
      if (event.target === element && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        choose(map.getCenter(), "The centre of the map is chosen.");
      }
    });
    return choose;
  }

  function setUpLocate(map, button, choose, status) {
    if (!("geolocation" in navigator)) {
      button.hidden = true;
      return;
    }
    button.addEventListener("click", function () {
      announce(status, "Finding your location\u2026");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
          map.setView(latlng, Math.max(map.getZoom(), 16));
          choose(latlng, "Your location is chosen.");
        },
        function () {
          announce(status, "We could not find your location. Choose a place on the map, or search by postcode.");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function createMap(element) {
    var tiles = element.getAttribute("data-map-tiles");
    var status = document.getElementById(element.getAttribute("data-map-status") || "");
    var map = L.map(element, { attributionControl: Boolean(tiles), keyboard: true, scrollWheelZoom: false });
    map.setView([DEFAULT_VIEW.lat, DEFAULT_VIEW.lng], DEFAULT_VIEW.zoom);
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.getAttribute("data-map-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    element.setAttribute("aria-label", element.getAttribute("data-map-label") || "Map");
    element.setAttribute("role", "region");

    var markers = readMarkers(element.getAttribute("data-map-markers"));
    var markerLayer = markers.length ? addMarkers(map, markers) : null;
    if (markerLayer && markerLayer.getBounds().isValid()) {
      map.fitBounds(markerLayer.getBounds(), { maxZoom: 16, padding: [20, 20], animate: false });
    }
    var wardsUrl = element.getAttribute("data-map-wards");
    if (wardsUrl) {
      loadWards(map, wardsUrl, !markerLayer).catch(function () {
        announce(status, "The ward outlines could not be loaded.");
      });
    }

    var form = document.getElementById(element.getAttribute("data-map-pick") || "");
    if (form) {
      var choose = setUpPicking(map, element, form, status);
      var locate = document.getElementById(element.getAttribute("data-map-locate") || "");
      if (locate) {
        setUpLocate(map, locate, choose, status);
      }
    }
    element.townhallMap = map; // for tests and other scripts on the page
    return map;
  }

  function start() {
    if (typeof L === "undefined") {
      return; // Leaflet failed to load: the page keeps working without maps
    }
    Array.prototype.forEach.call(document.querySelectorAll("template[data-map-template]"), function (template) {
      template.parentNode.replaceChild(document.importNode(template.content, true), template);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-map-requires-js]"), function (element) {
      element.hidden = false;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), function (element) {
      element.hidden = false;
      createMap(element);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
