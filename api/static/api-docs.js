// Swagger UI over our own OpenAPI document, from our own origin.
window.virtkgDocs = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#docs", deepLinking: true });
